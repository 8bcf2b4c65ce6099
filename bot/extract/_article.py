"""The article in a page: the pipeline from page to `ExtractedArticle`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from bot.errors import ExtractionError
from bot.extract import _metadata
from bot.extract._cascade import body_lines
from bot.extract._container import narrow
from bot.extract._document import MAX_HTML_BYTES, join_wrapped_lines, parse, prepare, utf8_source
from bot.extract._furniture import clean_text, filter_lines
from bot.extract._lines import word_count
from bot.extract._loose import read_math, unwrap_custom_elements, wrap_loose_text

__all__ = ["MIN_ARTICLE_WORDS", "ExtractedArticle", "extract_html", "extract_text"]

logger = logging.getLogger(__name__)

#: Below this many words the extraction is "not an article" (error pages, menus, paywalls).
MIN_ARTICLE_WORDS = 12


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


def extract_html(html: str | bytes, url: str | None = None) -> ExtractedArticle:
    """The article in a page: title, body text, language, canonical URL and date.

    Pipeline, chosen by measurement on the Scrapinghub article-extraction benchmark
    (benchmarks/extract.py): one lxml parse; metadata read from the tree; elements that never
    hold prose dropped; custom elements and MathML turned into the text a reader sees
    (`_loose`); the tree narrowed to the article container when the page names one; loose
    runs of prose in it made paragraphs; trafilatura in fast mode without comments; its full
    cascade only when the fast result is short; then `filter_lines` removes the
    furniture trafilatura keeps (leading headline, share bars, "Read more:" teasers,
    newsletter boxes, copyright lines).

    Raises ExtractionError when the page has no article text (menus, error pages).
    """
    if len(html) > MAX_HTML_BYTES:
        raise ExtractionError(f"page too large: {len(html)} > {MAX_HTML_BYTES}")
    page = utf8_source(html)
    if not page.strip():
        raise ExtractionError("empty page")
    tree = parse(page)
    head = _metadata.read_head(tree)
    title = _metadata.title(head)
    canonical = _metadata.canonical_url(head, url)
    published = _metadata.published(head)
    prepare(tree, len(page))
    unwrap_custom_elements(tree, page)
    read_math(tree)
    region = narrow(tree)
    wrap_loose_text(region.tree)  # after the container search, on the region alone
    join_wrapped_lines(region.tree)  # only what trafilatura reads: the prose test ignores breaks
    lines = body_lines(region, lambda: join_wrapped_lines(parse(page)))
    text = filter_lines(lines, title)
    if word_count(text) < MIN_ARTICLE_WORDS:
        raise ExtractionError(f"no article text found in {url or 'page'}")
    return ExtractedArticle(
        title=title,
        text=text,
        language=_metadata.language(text, _metadata.declared_language(tree)),
        url=canonical,
        published=published,
    )


def extract_text(text: str, url: str | None = None) -> ExtractedArticle:
    """The article in text flattened from a page, or a plain article: `clean_text`'s paragraphs,
    the language decided as for a page. Raises ExtractionError when no text is left."""
    body = clean_text(text)
    if not body:
        raise ExtractionError(f"no article text found in {url or 'text'}")
    return ExtractedArticle(title=None, text=body, language=_metadata.language(body), url=url)
