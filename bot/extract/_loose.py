"""Text that trafilatura drops although a reader sees it: loose runs, custom elements, MathML.

trafilatura reads paragraphs from the elements it knows (<p>, headings, lists, ...) and handles
text lying loose in a <div> or <body> between such blocks unevenly: some runs are kept, others
dropped, so an article written as text between <br>-like spans and ad boxes comes out with
holes (readability-lxml turns such runs into paragraphs first, and keeps them). It also drops
the text of elements it does not know, which includes every custom element (web components:
the tag holds a hyphen, such as MathJax's <mjx-container>), and MathML without a TeX source.
The functions here rewrite those parts of the tree into what trafilatura reads, in place.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

from bot.extract._lines import prose_word_count

__all__ = ["read_math", "unwrap_custom_elements", "wrap_loose_text"]

# The tag of a custom element (HTML: a hyphen in the name, lower case only), looked for in the
# page text first so that pages without one pay one C-level search.
_CUSTOM_TAG = re.compile(rb"<([a-z][a-z0-9]*-[a-z0-9.-]*)")
# MathML that trafilatura keeps itself: it turns the TeX source into text (recover_math).
_TEX_SOURCE = etree.XPath('.//*[local-name() = "annotation"][contains(@encoding, "tex")]')
# Marks the spans `read_math` leaves: a run holding a formula is a paragraph (a displayed
# equation stands between blocks with no sentence around it).
_FORMULA = "data-formula"
# Blocks: a loose run of text next to one of these is a paragraph of its own.
_BLOCK_TAGS = frozenset(
    """address article aside blockquote center dd details div dl dt fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section summary
    table td th tr ul""".split()  # noqa: SIM905 (a list of words)
)
# Containers whose loose runs become paragraphs (a <p> or <li> already is one).
_CONTAINER_TAGS = ("body", "div", "section", "article", "main", "td")
#: A loose run shorter than this many non-space characters stays as it is (a separator, an
#: ornament): only runs that can hold a sentence are worth a paragraph.
MIN_RUN_CHARS = 25


def unwrap_custom_elements(tree: lxml_html.HtmlElement, page: bytes) -> None:
    """Custom elements unwrapped, their text kept where it stands: a web component's text is
    page text, and trafilatura would drop it with the unknown tag. `page` is the page's
    UTF-8 source (`utf8_source`)."""
    tags = {match.decode("ascii").lower() for match in _CUSTOM_TAG.findall(page)}
    if tags:
        etree.strip_tags(tree, *tags)


def read_math(tree: lxml_html.HtmlElement) -> None:
    """MathML without a TeX source becomes its text (the symbols in reading order, spaced), so
    a formula stays in the sentence that holds it instead of leaving a hole."""
    for element in list(tree.iter("math")):
        if element.get("alttext") or _TEX_SOURCE(element):
            continue
        text = " ".join(" ".join(element.itertext()).split())
        tail = element.tail
        element.clear()
        element.tag = "span"
        element.set(_FORMULA, "")
        element.text = f" {text} "
        element.tail = tail


def wrap_loose_text(tree: lxml_html.HtmlElement) -> None:
    """Each run of loose text (text and inline elements between two blocks) in a container that
    also holds blocks becomes a <p>, when it is long enough to hold a sentence."""
    for container in list(tree.iter(_CONTAINER_TAGS)):
        children = list(container)
        if not any(child.tag in _BLOCK_TAGS for child in children):
            continue
        _wrap_runs(container, children)


def _wrap_runs(container: lxml_html.HtmlElement, children: list[lxml_html.HtmlElement]) -> None:
    runs: list[tuple[str, list[lxml_html.HtmlElement], int]] = []  # (text, inline, index)
    text = container.text or ""
    inline: list[lxml_html.HtmlElement] = []
    start = 0
    for index, child in enumerate(children):
        if child.tag in _BLOCK_TAGS:
            runs.append((text, inline, start))
            text, inline, start = child.tail or "", [], index + 1
            continue
        inline.append(child)
    runs.append((text, inline, start))
    # right to left, so the indexes of the runs still to do stay valid
    for text, inline, start in reversed(runs):
        if not _reads_like_prose(text, inline):
            continue
        paragraph = lxml_html.Element("p")
        paragraph.text = text
        if start == 0:
            container.text = None
        else:
            children[start - 1].tail = None
        for element in inline:
            paragraph.append(element)  # moves it, its tail with it
        container.insert(start, paragraph)


def _reads_like_prose(text: str, inline: list[lxml_html.HtmlElement]) -> bool:
    """The run holds a formula, or its own text (not only that of its inline elements: hidden
    spans of structured data sit loose in many containers) is long enough and the whole run
    reads like prose."""
    if any(element.get(_FORMULA) is not None for element in inline):
        return True
    own = [text, *(element.tail or "" for element in inline)]
    if len("".join("".join(own).split())) < MIN_RUN_CHARS:
        return False  # most runs: the indentation between two blocks
    parts = [text]
    for element in inline:
        parts.extend(element.itertext())
        parts.append(element.tail or "")
    return prose_word_count(" ".join("".join(parts).split())) > 0
