"""Article text from web pages, and page furniture removed from plain text.

A news page carries far more than its article: navigation, teasers of other stories, share
bars, newsletter boxes, footers. Only the article's paragraphs may reach a summary or a
duplicate check, so this module has three entry points:

- `extract_html` finds the article in a page (trafilatura does the heavy lifting) and then
  drops the furniture lines trafilatura lets through;
- `clean_text` does the same for text that was already flattened from a page (copy-paste,
  a feed that ships the whole page as text): it keeps the densest run of sentence-like
  paragraphs and cuts at generic trailer markers ("Keep Reading", "Editors Picks", ...);
- `html_to_text` turns the small HTML fragments that feeds put in their summaries into
  plain paragraphs without trying to find an article in them.

All three are pure: no I/O, no global state. Callers decompress and fetch.
"""

from __future__ import annotations

import codecs
import html as html_lib
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import py3langid
import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Extractor

from bot.errors import ExtractionError

__all__ = [
    "ExtractedArticle",
    "ExtractionError",
    "clean_text",
    "extract_html",
    "html_to_text",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractedArticle:
    """The article found in a page.

    `text` holds the body only (no headline, byline or furniture), paragraphs separated by a
    blank line, so it can go straight to the summarizer and to `bot.group.fingerprint`.
    """

    title: str | None
    text: str
    language: str | None
    url: str | None
    published: datetime | None = None


# --- limits -------------------------------------------------------------------------------

#: Pages above this size are refused rather than parsed: real articles are a few hundred KB
#: (the benchmark's largest is 1.5 MB), and a multi-megabyte page is a feed dump or an attack.
MAX_HTML_BYTES = 8_000_000
#: Pages with more elements than this (after dropping scripts, menus and the like) are refused:
#: real articles have a few thousand at most, and trafilatura's time grows with the count
#: (seconds for 100,000 paragraphs).
MAX_ELEMENTS = 30_000
#: Below this many words the extraction is "not an article" (error pages, menus, paywalls).
MIN_ARTICLE_WORDS = 12
#: A fast extraction shorter than this many characters is retried with trafilatura's full
#: cascade (readability/justext comparison), which is ~2x slower but rescues odd layouts.
RETRY_BELOW_CHARS = 250
#: Language detection reads this much text: enough for py3langid to be stable, and cheap.
LANGUAGE_SAMPLE_CHARS = 300

# --- HTML: parsing and metadata -------------------------------------------------------------

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
# Article containers trusted first: schema.org markup, a lone <article> (see `_narrow`).
_ARTICLE_BODY = etree.XPath('//*[@itemprop="articleBody"]')
_ARTICLE = etree.XPath("//article")
#: A container must hold this many characters to be trusted as the article.
_MIN_CONTAINER_CHARS = 500

_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


def _decode(page: str | bytes) -> str:
    """Bytes to text: UTF-8 if it decodes, else the charset the page declares, else cp1252."""
    if isinstance(page, str):
        return page
    try:
        return page.decode("utf-8")
    except UnicodeDecodeError:
        pass
    match = _CHARSET_META.search(page[:4096])
    encoding = "cp1252"
    if match:
        try:
            encoding = codecs.lookup(match.group(1).decode("ascii")).name
        except LookupError:
            logger.debug("unknown declared charset %r, using cp1252", match.group(1))
    return page.decode(encoding, errors="replace")


def _parse(page: str) -> lxml_html.HtmlElement:
    """Parse once; comments and processing instructions are dropped by the parser itself."""
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False
    )
    try:
        root = lxml_html.document_fromstring(page.encode("utf-8", errors="replace"), parser=parser)
    except (etree.ParserError, ValueError) as err:
        raise ExtractionError(f"not parseable as HTML: {err}") from err
    return root


def _first(values: Iterator[str] | Sequence[str]) -> str | None:
    for value in values:
        value = " ".join(value.split())
        if value:
            return value
    return None


def _meta_tags(tree: lxml_html.HtmlElement) -> dict[str, str]:
    """<meta property|name|itemprop=KEY content=...> as {key: content}, first occurrence wins."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if not content or not content.strip():
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key and key not in found:
                found[key] = content
    return found


def _meta(tags: dict[str, str], *names: str) -> str | None:
    """The first of the named meta tags present, in the order given."""
    return _first(tags[name] for name in names if name in tags)


def _title(tree: lxml_html.HtmlElement, tags: dict[str, str]) -> str | None:
    # og:title is the headline without the " | Site name" suffix most <title>s carry.
    title = _meta(tags, "og:title", "twitter:title", "headline")
    if title:
        return title
    headings = tree.xpath("//h1")
    if len(headings) == 1:
        title = _first([headings[0].text_content()])
        if title:
            return title
    return _first(tree.xpath("//title/text()"))


def _canonical_url(
    tree: lxml_html.HtmlElement, tags: dict[str, str], url: str | None
) -> str | None:
    href = _first(tree.xpath('//link[@rel="canonical"]/@href')) or _meta(tags, "og:url")
    if not href:
        return url
    absolute = urljoin(url, href) if url else href
    return absolute if absolute.startswith(("http://", "https://")) else url


_JSON_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


def _parse_datetime(value: str) -> datetime | None:
    """ISO 8601 or RFC 2822 date to aware UTC; naive values are taken as UTC, nonsense as None."""
    value = value.strip()
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value.replace(" ", "T", 1) if " " in value else value)
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if not 1990 <= parsed.year <= 2100:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _published(tree: lxml_html.HtmlElement, tags: dict[str, str]) -> datetime | None:
    """The page's own publication date: meta tags, then JSON-LD, then <time datetime>.

    A handful of lookups instead of htmldate's full search: htmldate costs several
    milliseconds per page and guesses from URLs and text, while news pages almost always
    declare the date in one of these places.
    """
    candidates: list[str] = []
    meta = _meta(
        tags,
        "article:published_time",
        "og:published_time",
        "datepublished",
        "pubdate",
        "publishdate",
        "publish-date",
        "parsely-pub-date",
        "sailthru.date",
        "dc.date.issued",
        "dc.date",
        "date",
    )
    if meta:
        candidates.append(meta)
    for script in tree.xpath('//script[@type="application/ld+json"]/text()'):
        match = _JSON_DATE.search(script)
        if match:
            candidates.append(match.group(1))
            break
    candidates.extend(tree.xpath("//time/@datetime")[:1])
    for candidate in candidates:
        parsed = _parse_datetime(candidate)
        if parsed is not None:
            return parsed
    return None


# Container vocabulary in trafilatura's order of trust (its xpaths.BODY_XPATH, 2.3.1), matched
# here in one Python pass over the tree: the EXSLT-regex XPaths cost ~3 ms on a large page.
_CONTAINER_TAGS = ("article", "div", "main", "section")
_TIER_ARTICLE_ID = re.compile(
    r"(?:entry|article|art)-content|article__content|article(?:-|__)?body|articleBody|body-text"
)
_TIER_ARTICLE_CLASS = re.compile(
    r"post[-_]text|post-body|post-?entry|post[-_]?content|postContent|post_inner_wrapper|"
    r"article-?text|articleText|(?:entry|page|text|article|art)-content|article__content|"
    r"article(?:-|__)?body|articleBody|ArticleContent|body-text|article__container"
)
_TIER_STORY_ID = re.compile(r"^primary|story-body")
_TIER_STORY_CLASS = re.compile(
    r"^article |post-bodycopy|story-?content|(?:theme|blog|section|single)-content|single-post|"
    r"main-column|wpb_text_column|story-body|field-body"
)
_TIER_MAIN_ID = re.compile(r"content-main|content-body|contentBody|main-content", re.IGNORECASE)
_TIER_MAIN_CLASS = re.compile(
    r"content[-_]main|content(?:-|__)body|main-content|page-content", re.IGNORECASE
)


def _container_tier(element: lxml_html.HtmlElement) -> int | None:
    """How much an element's tag, class and id say "this is the article body" (0 = most)."""
    tag = element.tag
    cls = element.get("class") or ""
    ident = element.get("id") or ""
    if cls in ("post", "entry") or element.get("itemprop") == "articleBody":
        return 0
    if ident == "articleContent" or _TIER_ARTICLE_ID.search(ident):
        return 0
    if _TIER_ARTICLE_CLASS.search(cls):
        return 0
    if tag == "article":
        return 1
    if (
        element.get("role") == "article"
        or ident in ("article", "story")
        or cls in ("postarea", "art-postcontent", "text", "cell", "story")
        or _TIER_STORY_ID.search(ident)
        or "fulltext" in cls.lower()
        or _TIER_STORY_CLASS.search(cls)
    ):
        return 2
    if ident == "content" or cls == "content" or _TIER_MAIN_ID.search(ident):
        return 3
    if _TIER_MAIN_CLASS.search(cls):
        return 3
    if tag == "main" or cls.startswith("main") or ident.startswith("main"):
        return 4
    if (element.get("role") or "").startswith("main"):
        return 4
    return None


def _narrow(tree: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    """Hand trafilatura only the article container when the page names one.

    trafilatura looks for the same containers itself, but only after several XPath pruning
    passes over the whole page; cutting the container out first halves the extraction time
    and removes related-story rails outside it. Order of trust: a lone schema.org
    articleBody, a lone <article>, then the first element of each tier of `_container_tier`.
    """
    for expression in (_ARTICLE_BODY, _ARTICLE):
        found = expression(tree)
        if len(found) == 1 and len(found[0].text_content()) >= _MIN_CONTAINER_CHARS:
            return _wrap(found[0])
    first: dict[int, lxml_html.HtmlElement] = {}
    for element in tree.iter(_CONTAINER_TAGS):
        tier = _container_tier(element)
        if tier is not None and tier not in first:
            first[tier] = element
    for tier in sorted(first):
        if len(first[tier].text_content()) >= _MIN_CONTAINER_CHARS:
            return _wrap(first[tier])
    return tree


def _wrap(element: lxml_html.HtmlElement) -> lxml_html.HtmlElement:
    root = lxml_html.Element("html")
    body = etree.SubElement(root, "body")
    element.tail = None
    body.append(element)
    return root


# Built once: constructing an Extractor reads its config file section (~0.4 ms a call), and
# trafilatura never mutates the options it is given.
_FAST_OPTIONS = Extractor(fast=True, comments=False)
_FULL_OPTIONS = Extractor(fast=False, comments=False)


def _trafilatura(tree: lxml_html.HtmlElement, *, fast: bool) -> str:
    try:
        text = trafilatura.extract(tree, options=_FAST_OPTIONS if fast else _FULL_OPTIONS)
    except (ValueError, TypeError, RecursionError, etree.LxmlError) as err:
        logger.warning("trafilatura failed (fast=%s): %s", fast, err)
        return ""
    return text or ""


def _language(text: str, tree: lxml_html.HtmlElement) -> str | None:
    """py3langid on the text; the page's lang attribute only when there is too little text.

    The text wins because templates often declare "en" on pages written in another language.
    """
    sample = text[:LANGUAGE_SAMPLE_CHARS]
    if len(sample) >= 40:
        return str(py3langid.classify(sample)[0])
    declared = (tree.get("lang") or tree.get("xml:lang") or "").strip().lower()
    return declared[:2] if len(declared) >= 2 and declared[:2].isalpha() else None


def extract_html(html: str | bytes, url: str | None = None) -> ExtractedArticle:
    """The article in a page: title, body text, language, canonical URL and date.

    Pipeline, chosen by measurement on the Scrapinghub article-extraction benchmark
    (benchmarks/extract.py): one lxml parse; metadata read from the tree; elements that never
    hold prose dropped; the tree narrowed to the article container when the page names one;
    trafilatura in fast mode without comments; its full cascade only when the fast result is
    short; then `_filter_article_lines` removes the furniture trafilatura keeps (leading
    headline, share bars, "Read more:" teasers, newsletter boxes, copyright lines).

    Raises ExtractionError when the page has no article text (menus, error pages).
    """
    if len(html) > MAX_HTML_BYTES:
        raise ExtractionError(f"page too large: {len(html)} > {MAX_HTML_BYTES}")
    page = _decode(html)
    if not page.strip():
        raise ExtractionError("empty page")
    tree = _parse(page)
    tags = _meta_tags(tree)
    title = _title(tree, tags)
    canonical = _canonical_url(tree, tags, url)
    published = _published(tree, tags)
    etree.strip_elements(tree, *_NON_CONTENT_TAGS, with_tail=False)
    etree.strip_tags(tree, *_UNWRAPPED_TAGS)
    if len(page) > 7 * MAX_ELEMENTS:  # smaller pages cannot hold that many ("<p></p>" = 7)
        elements = sum(1 for _ in tree.iter())
        if elements > MAX_ELEMENTS:
            raise ExtractionError(f"page too complex: {elements} elements > {MAX_ELEMENTS}")
    raw = _trafilatura(_narrow(tree), fast=True)
    if len(raw) < RETRY_BELOW_CHARS:
        logger.debug("short fast extraction (%s chars), full cascade for %s", len(raw), url)
        retry = _trafilatura(_parse(page), fast=False)
        if len(retry) > len(raw):
            raw = retry
    text = _filter_article_lines(raw.splitlines(), title)
    if _word_count(text) < MIN_ARTICLE_WORDS:
        raise ExtractionError(f"no article text found in {url or 'page'}")
    return ExtractedArticle(
        title=title,
        text=text,
        language=_language(text, tree),
        url=canonical,
        published=published,
    )


# --- plain text: furniture rules ------------------------------------------------------------

_WORD = re.compile(r"\w+")
# Scripts written without spaces: one \w+ run can be a whole sentence, so count characters.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_SENTENCE_END = re.compile(r"""[.!?…。！？][\"'”’»)\]]*$""")
_SENTENCE_BREAK = re.compile(r"""[.!?…。！？][\"'”’»)\]]*\s""")
_DATE = re.compile(
    r"\b(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b",
    re.IGNORECASE,
)
_SOCIAL_WORDS = frozenset(
    """share shares shared sharing tweet email e mail print copy link links facebook twitter x
    instagram linkedin pinterest tumblr reddit whatsapp telegram messenger flipboard youtube
    tiktok threads bluesky mastodon vk pocket sms comment comments save copied on via the
    and or us follow rss feed google news""".split()  # noqa: SIM905 (a list of words)
)
# Lines that are furniture wherever they appear (matched on the whole, trimmed line).
_FURNITURE = re.compile(
    r"""(?:
        (?:©|ⓒ|\(c\)|copyright\b).*
      | (?:advertisement|advertising|sponsored(?:\ content)?|ad|story\ continues\ below.*|
         continue\ reading(?:\ below)?|scroll\ to\ continue.*|close\ menu|menu|search|
         skip\ to\ (?:main\ )?content|back\ to\ top|toggle\ navigation|web\ stories|
         exit\ mobile\ version|loading\.*|photo:.*|image:.*|getty\ images|tags?:.*|topics?:.*)
      | \d*\s*comments?
      | (?:leave\ a\ (?:comment|reply)|join\ the\ conversation|show\ comments|view\ comments)
      | (?:read|see|watch|listen)\ (?:more|also|next)\b.*
      | (?:also\ read|read\ also|related(?:\ \w+)?|more|recommended|watch)\s*[:|].*
      | \[?(?:related|read\ more|see\ also|also\ read)\b.*\]
      | also\ on\ \S+\.\w+\b.*
      | \(?(?:additional\ )?(?:reporting|writing|editing)\ by\b.*
      | .*\bcontributed\ (?:to\ )?(?:this\ )?report(?:ing)?\b.*
      | (?:source|sources|filed\ under|credit|credits|photo\ credit|image\ credit)\s*:.*
      | [|:\s-]+
      | like\ this\ (?:story|article)\b.*
      | the\ post\ .+\ appeared\ first\ on\ .+
      | \[?(?:…|\.\.\.)\]?
      | (?:leia|veja)\ (?:também|mais).* | leggi\ anche.* | lesen\ sie\ (?:auch|mehr).*
      | (?:à\ )?lire\ aussi.* | ver\ también.* | lea\ también.* | читайте\ также.*
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Calls to action: a line that opens with an imperative aimed at the reader ...
_CALL_TO_ACTION = re.compile(
    r"""(?:follow|like\ us|subscribe|sign\ up|signup|get\ (?:the|our|all|breaking|access)|
        download|listen|watch|click|tap|join|share|email|e-mail|write\ to|reach|contact|
        send\ us|tell\ us|have\ a\ tip|thanks\ for\ signing|thank\ you\ for\ signing|
        don'?t\ miss|never\ miss|stay\ (?:informed|up\ to\ date|updated)|start\ your\ day|
        we'?d\ like\ to\ hear|if\ you\ (?:enjoyed|liked|value)|support\ (?:our|us)|
        become\ a\ (?:member|subscriber)|for\ more\b|sorry\b|there\ was\ an\ error)""",
    re.IGNORECASE | re.VERBOSE,
)
# ... and names a channel (newsletter, app, social network, e-mail).
_CHANNEL = re.compile(
    r"newsletter|inbox|subscri|sign(?:ing)? up|\bapp\b|podcast|twitter|facebook|instagram|"
    r"youtube|tiktok|linkedin|whatsapp|telegram|@|https?://|e-?mail|rss|notifications|"
    r"membership|members|donat|error|click here|our content",
    re.IGNORECASE,
)
# Headings that open a block of teasers for other stories; everything up to the next real
# paragraph is dropped with them. Generic across sites (and a few common non-English ones).
_TEASER_MARKER = re.compile(
    r"""(?:keep\ reading|editors?['’]?s?\ picks?|editor['’]?s\ choice|related(?:\ (?:articles?|
        stories|posts|news|content|coverage|reading|topics|links|videos?))?|you\ (?:may|might)
        \ (?:also\ )?(?:like|enjoy|be\ interested\ in)|more\ (?:from|on|in|about|stories|news|
        like\ this|to\ explore)\b.*|recommended(?:\ for\ you|\ stories|\ articles)?|
        most\ (?:read|popular|viewed|shared|commented)\b.*|popular\ (?:on|in)\ .*|
        explore\ (?:further|more)|latest(?:\ news|\ stories|\ articles)?|
        trending(?:\ now|\ stories|\ news)?|top\ stories|popular(?:\ now|\ posts|\ stories)?|
        read\ next|what\ to\ read\ next|up\ next|don['’]?t\ miss|around\ the\ web|
        further\ reading|in\ other\ news|what['’]?s\ on|from\ around\ the\ web|more\ news|
        sponsored\ (?:links|stories)|promoted\ (?:links|stories)|partner\ content|
        subscribe\ to\ (?:our\ )?news(?:letter)?|newsletter|comments|tags|share\ this(?:\ article|
        \ story|\ post)?|about\ the\ author|leia\ também|veja\ também|notícias\ relacionadas|
        leggi\ anche|articoli\ correlati|lesen\ sie\ auch|mehr\ zum\ thema|lire\ aussi|
        à\ lire\ aussi|noticias\ relacionadas|читайте\ также|по\ теме|관련\ ?기사)
        [\s:.…!|»>-]*""",
    re.IGNORECASE | re.VERBOSE,
)
# An in-text teaser link ("Read more: <headline>", "Related: <headline>"); the headlines that
# follow it, if any, belong to the same teaser block.
_TEASER_PREFIX = re.compile(
    r"(?:read\ more|see\ more|read\ also|also\ read|see\ also|related(?:\ \w+)?|more)\s*:",
    re.IGNORECASE,
)
#: A paragraph with at least this many words that ends like a sentence is article prose.
_SENTENCE_WORDS = 8
#: Teaser blocks end at a paragraph this long (words) that ends like a sentence.
_RESUME_WORDS = 20
#: Short lines allowed between two prose paragraphs inside the article (subheadings, quotes).
_MAX_GAP = 3
#: Without any prose, lines of at least this many words are kept (a teaser, not a menu).
_MIN_FALLBACK_WORDS = 4
#: Lines longer than this (words) are never furniture: prompts and share bars are short.
_MAX_FURNITURE_WORDS = 45


def _word_count(text: str) -> int:
    words = len(_WORD.findall(text))
    return words if text.isascii() else words + len(_CJK.findall(text)) // 2


@dataclass(frozen=True, slots=True)
class _Line:
    """One paragraph of flattened text with the features every rule needs, computed once."""

    text: str
    words: int
    prose: bool  # long enough, and ends like a sentence or holds several

    @classmethod
    def of(cls, text: str) -> _Line:
        words = _word_count(text)
        prose = words >= _SENTENCE_WORDS and (
            bool(_SENTENCE_END.search(text)) or len(_SENTENCE_BREAK.findall(text)) >= 2
        )
        return cls(text, words, prose)


def _lines(raw: Iterable[str]) -> list[_Line]:
    out = []
    for line in raw:
        text = " ".join(line.split())
        if text:
            out.append(_Line.of(text))
    return out


def _is_share_bar(line: _Line) -> bool:
    if line.words > 15:
        return False
    words = [word.lower() for word in _WORD.findall(line.text)]
    return bool(words) and all(word in _SOCIAL_WORDS for word in words)


def _is_dateline(line: _Line) -> bool:
    """A short line carrying a date or time: "Updated 4:14 p.m.", "By staff | Nov 19, 2019".

    Lines opening with an em dash are kept: that is how embedded tweets sign off.
    """
    return (
        line.words <= 10
        and not line.prose
        and not line.text.startswith("—")
        and bool(_DATE.search(line.text))
    )


def _is_furniture(line: _Line) -> bool:
    """A line that is page furniture wherever it stands (share bar, copyright, prompt)."""
    if line.words > _MAX_FURNITURE_WORDS:
        return False
    text = line.text
    if _is_share_bar(line) or _FURNITURE.fullmatch(text):
        return True
    if text[:1] in "([" and text[-1:] in ")]" and _FURNITURE.fullmatch(text[1:-1].strip()):
        return True  # a bracketed aside: "(Read more: ...)", "[Related: ...]"
    lower = text.lower()
    if "all rights reserved" in lower or "newsletter" in lower or "inbox" in lower:
        return True
    return bool(_CALL_TO_ACTION.match(text) and _CHANNEL.search(text))


def _drop_furniture(lines: Sequence[_Line]) -> list[_Line]:
    """Drop furniture lines, datelines, and each teaser block from its marker to real prose.

    A marker such as "Keep Reading" or "Related" is followed by headlines of other stories;
    they look like short lines, so the block ends only where prose resumes. A dateline is
    dropped unless a neighbour is one too: a run of dated lines is a schedule, not furniture.
    """
    dated = [_is_dateline(line) for line in lines]
    kept: list[_Line] = []
    in_teasers = False
    for i, line in enumerate(lines):
        if line.words <= 12 and _TEASER_MARKER.fullmatch(line.text):
            in_teasers = True
            continue
        if line.words <= _MAX_FURNITURE_WORDS and _TEASER_PREFIX.match(line.text):
            in_teasers = True  # "Related: <headline>" is often followed by more headlines
            continue
        if in_teasers and not (line.prose and line.words >= _RESUME_WORDS):
            continue
        in_teasers = False
        if dated[i] and not ((i > 0 and dated[i - 1]) or (i + 1 < len(dated) and dated[i + 1])):
            continue
        if not _is_furniture(line):
            kept.append(line)
    return kept


def _same_text(a: str, b: str) -> bool:
    return _WORD.findall(a.lower()) == _WORD.findall(b.lower())


#: Leading lines shorter than this (words) and not prose are headline, standfirst or byline.
_MAX_LEAD_WORDS = 15


def _filter_article_lines(raw: Iterable[str], title: str | None = None) -> str:
    """Furniture rules applied to trafilatura's output (already the article region).

    Also drops the headline (trafilatura keeps the page's <h1>: it is the title, not body),
    and the short headline-like lines before the first paragraph of prose (standfirst,
    byline). Short lines after the last paragraph stay: lists, tables and links often end an
    article.
    """
    kept = _drop_furniture(_lines(raw))
    while kept and title is not None and _same_text(kept[0].text, title):
        kept = kept[1:]
    prose = [i for i, line in enumerate(kept) if line.prose]
    if not prose:
        return "\n\n".join(line.text for line in kept)  # lists, tables: the caller judges
    start = 0
    while start < prose[0] and kept[start].words < _MAX_LEAD_WORDS:
        start += 1
    return "\n\n".join(line.text for line in kept[start:])


def _main_block(lines: Sequence[_Line]) -> list[_Line]:
    """The densest run of prose: sentence-like paragraphs with short gaps between them.

    Short lines inside the run (subheadings, pull quotes) are kept; short lines outside it
    (menus, teaser headlines, footers) are not. Runs are scored by their prose words; the best
    is kept, plus any other run at least half as heavy (an article split by a box).
    Text without any prose (a short feed teaser) keeps its lines of a few words.
    """
    prose = [i for i, line in enumerate(lines) if line.prose]
    if not prose:
        # a feed teaser or a headline: keep lines of a few words, not menu items
        return [line for line in lines if line.words >= _MIN_FALLBACK_WORDS]
    runs: list[list[int]] = [[prose[0]]]
    for i in prose[1:]:
        if i - runs[-1][-1] - 1 > _MAX_GAP:
            runs.append([i])
        else:
            runs[-1].append(i)
    weights = [sum(lines[i].words for i in run) for run in runs]
    best = max(weights)
    out: list[_Line] = []
    for run, weight in zip(runs, weights, strict=True):
        if weight * 2 >= best:
            out.extend(lines[run[0] : run[-1] + 1])
    return out


def clean_text(text: str) -> str:
    """Only the article's paragraphs from text flattened from a whole page.

    General rules, no per-site strings: furniture lines go (share bars, copyright, newsletter
    prompts, datelines), teaser blocks go from their marker ("Keep Reading", "Editors Picks",
    "Related", "Latest News", ...) to the next real paragraph, and of what is left only the
    densest run of sentence-like paragraphs stays, so menus and headline lists around the
    article disappear while subheadings inside it survive. Paragraphs are separated by a
    blank line in the result.
    """
    lines = _drop_furniture(_lines(text.splitlines()))
    return "\n\n".join(line.text for line in _main_block(lines))


# --- HTML fragments (feed summaries) --------------------------------------------------------

_BLOCK_TAGS = frozenset(
    """address article aside blockquote dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6
    header hr li main nav ol p pre section table tbody td tfoot th thead tr ul""".split()  # noqa: SIM905
)
_BREAK = "\x00"  # a single <br> while walking; two in a row end the paragraph
_DROPPED_TAGS = ("script", "style", "noscript", "template", "iframe", "svg", "head", "object")


def html_to_text(fragment: str) -> str:
    """Plain paragraphs from an HTML fragment such as a feed entry's summary or content.

    Tags are stripped, entities unescaped, block elements and double <br> become paragraph
    breaks (a blank line), a single <br> a line break. No article detection: feed fragments
    are already the text the publisher chose; use `extract_html` for whole pages.
    """
    if "<" not in fragment:
        blocks = re.split(r"\n\s*\n", html_lib.unescape(fragment))
        return "\n\n".join(p for p in (" ".join(b.split()) for b in blocks) if p)
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        root = lxml_html.document_fromstring(
            fragment.encode("utf-8", errors="replace"), parser=parser
        )
    except (etree.ParserError, ValueError):
        return " ".join(html_lib.unescape(re.sub(r"<[^>]*>", " ", fragment)).split())
    etree.strip_elements(root, *_DROPPED_TAGS, with_tail=False)
    paragraphs: list[str] = []
    current: list[str] = []

    def flush() -> None:
        lines = ["".join(part).strip() for part in _split_lines(current)]
        text = "\n".join(" ".join(line.split()) for line in lines if line.strip())
        if text:
            paragraphs.append(text)
        current.clear()

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _BLOCK_TAGS:
                flush()
            elif tag == "br":
                if _ends_with_break(current):
                    flush()
                else:
                    current.append(_BREAK)
            if element.text and tag != "br":
                current.append(element.text)
        else:
            if tag in _BLOCK_TAGS:
                flush()
            if element.tail:
                current.append(element.tail)
    flush()
    return "\n\n".join(paragraphs)


def _ends_with_break(parts: Sequence[str]) -> bool:
    for part in reversed(parts):
        if part == _BREAK:
            return True
        if part.strip():
            return False
    return False


def _split_lines(parts: Sequence[str]) -> list[list[str]]:
    lines: list[list[str]] = [[]]
    for part in parts:
        if part == _BREAK:
            lines.append([])
        else:
            lines[-1].append(part)
    return lines
