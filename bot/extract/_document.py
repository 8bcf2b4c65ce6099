"""Reading a page: bytes to text, text to one lxml tree stripped of what never holds prose.

Everything later (metadata, the container search, trafilatura) walks this one tree, so the
cheap C-level cleaning done here makes every later pass cheaper.
"""

from __future__ import annotations

import codecs
import logging
import re

from lxml import etree
from lxml import html as lxml_html

from bot.errors import ExtractionError

__all__ = [
    "MAX_ELEMENTS",
    "MAX_HTML_BYTES",
    "join_wrapped_lines",
    "parse",
    "prepare",
    "utf8_source",
]

logger = logging.getLogger(__name__)

#: Pages above this size are refused rather than parsed: real articles are a few hundred KB
#: (the benchmark's largest is 1.5 MB), and a multi-megabyte page is a feed dump or an attack.
MAX_HTML_BYTES = 8_000_000
#: Pages with more elements than this (after dropping scripts, menus and the like) are refused:
#: real articles have a few thousand at most, and trafilatura's time grows with the count
#: (seconds for 100,000 paragraphs).
MAX_ELEMENTS = 30_000


# Elements that never hold article prose. trafilatura deletes them too, but doing it here with
# lxml's C-level strip_elements makes every later XPath pass over the tree cheaper.
_NON_CONTENT_TAGS = (
    "script",
    "style",
    "noscript",
    "svg",
    "template",
    "iframe",
    "link",
    "button",
    "select",
    "input",
    "textarea",
    "option",
    "video",
    "audio",
    "canvas",
    "map",
    "object",
    "embed",
    "picture",
    "source",
    "head",
    "nav",
    "footer",
    "aside",
    # deleted by trafilatura's own cleaning anyway (settings.MANUALLY_CLEANED)
    "figure",
    "time",
    "label",
    "fieldset",
    "menu",
    "dialog",
    "applet",
    "frame",
    "frameset",
    "output",
    "progress",
    "datalist",
    "legend",
    "marquee",
    "blink",
    "area",
    "track",
    "param",
    "noindex",
    "menuitem",
    "optgroup",
    "use",
)
# Unwrapped (content kept) by trafilatura's cleaning (settings.MANUALLY_STRIPPED): doing it
# first leaves fewer elements for every XPath pass.
_UNWRAPPED_TAGS = (
    "img",
    "meta",
    "abbr",
    "acronym",
    "bdi",
    "bdo",
    "big",
    "data",
    "dfn",
    "font",
    "hgroup",
    "ins",
    "mark",
    "nobr",
    "ruby",
    "small",
    "tbody",
    "tfoot",
    "thead",
    "wbr",
)

# Control characters but tab, newline and return. In UTF-8 they are single bytes that never
# occur inside a multi-byte character, so deleting the bytes is exact.
_CONTROL_BYTES = bytes((*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F))
_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def utf8_source(page: str | bytes) -> bytes:
    """The page as the UTF-8 bytes the parser reads, control characters removed (lxml refuses
    text holding them, so trafilatura would drop the tree we hand it; its own loader strips
    them too). Bytes that are UTF-8 already are kept as they are: decoding them to text and
    encoding it again gives the same bytes back. Other bytes are decoded as the page declares
    (`_decode_bytes`)."""
    if isinstance(page, str):
        data = page.encode("utf-8", errors="replace")
    elif page.isascii():
        data = page
    else:
        try:
            page.decode("utf-8")
            data = page
        except UnicodeDecodeError:
            data = _decode_bytes(page).encode("utf-8", errors="replace")
    return data.translate(None, _CONTROL_BYTES)


def _decode_bytes(page: bytes) -> str:
    """Bytes that are not UTF-8 to text: the charset the page declares, else cp1252."""
    match = _CHARSET_META.search(page[:4096])
    encoding = "cp1252"
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            logger.debug("unknown declared charset %r, using cp1252", match.group(1))
    return page.decode(encoding, errors="replace")


# Every element an HtmlElement (what trafilatura requires), chosen in C: lxml.html's own
# lookup runs Python code for every element Python touches (a tenth of the extraction time).
_CLASS_LOOKUP = etree.ElementDefaultClassLookup(
    element=lxml_html.HtmlElement,
    comment=lxml_html.HtmlComment,
    pi=lxml_html.HtmlProcessingInstruction,
    entity=lxml_html.HtmlEntity,
)


def parse(page: str | bytes) -> lxml_html.HtmlElement:
    """Parse once (text, or bytes from `utf8_source`); comments and processing instructions
    are dropped by the parser itself, and control characters before it (`utf8_source`)."""
    parser = etree.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False
    )
    parser.set_element_class_lookup(_CLASS_LOOKUP)
    try:
        data = utf8_source(page) if isinstance(page, str) else page
        root = lxml_html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"not parseable as HTML: {err}") from err
    return root


# Counted in C: iterating in Python makes a proxy object per element (five times slower).
_COUNT_ELEMENTS = etree.XPath("count(//*)")


def prepare(tree: lxml_html.HtmlElement, page_size: int) -> lxml_html.HtmlElement:
    """Drop what never holds prose and unwrap inline wrappers, in place; refuse huge trees.
    Returns the tree.

    Spans inside code are syntax highlighting: their class names ("hljs-meta", "token tag")
    hit trafilatura's furniture vocabulary, which would delete tokens from the code, and they
    are often most of a technical page's elements, each tested by trafilatura's XPaths."""
    etree.strip_elements(tree, *_NON_CONTENT_TAGS, with_tail=False)
    etree.strip_tags(tree, *_UNWRAPPED_TAGS)
    for code in tree.iter("pre", "code"):
        etree.strip_tags(code, "span")
    if page_size > 7 * MAX_ELEMENTS:  # smaller pages cannot hold that many ("<p></p>" = 7)
        elements = int(_COUNT_ELEMENTS(tree))
        if elements > MAX_ELEMENTS:
            raise ExtractionError(f"page too complex: {elements} elements > {MAX_ELEMENTS}")
    return tree


# Text nodes holding a line break and more than whitespace, outside <pre> (the indentation
# between tags is most of the line breaks of a page, and changes nothing).
_WRAPPED_TEXT = etree.XPath(
    "//text()[contains(., '\n') and normalize-space(.) != '' and not(ancestor::pre)]"
)


def join_wrapped_lines(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """A line break inside HTML text is a space (outside <pre>): pages written with hard-wrapped
    source lines would otherwise reach the line rules as one paragraph per source line."""
    for text in _WRAPPED_TEXT(tree):
        owner = text.getparent()
        if owner is None:
            continue
        if text.is_tail:
            owner.tail = owner.tail.replace("\n", " ")
        else:
            owner.text = owner.text.replace("\n", " ")
    return tree
