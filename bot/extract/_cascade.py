"""trafilatura, run the way this package uses it: fast pass first, full cascade when needed."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable

import trafilatura
import trafilatura.external
from justext.utils import get_stoplist
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import JUSTEXT_LANGUAGES, Document, Extractor

import summarizer
from bot.extract._container import Region
from bot.extract._lines import Line, lines_of, word_count
from bot.extract._prose import prose_words

__all__ = ["RETRY_BELOW_CHARS", "body_lines", "extract_body", "run_trafilatura"]

logger = logging.getLogger(__name__)

#: A fast extraction shorter than this many characters is retried with trafilatura's full
#: cascade (readability/justext comparison), which is ~2x slower but rescues odd layouts.
RETRY_BELOW_CHARS = 250
#: A fast extraction is complete when it keeps this share of the prose words of the region it
#: was given, and when this share of its own words is prose (not menus or promo blocks).
COMPLETE_SHARE = 0.5

# Built once: constructing an Extractor reads its config file section (~0.4 ms a call), and
# trafilatura never mutates the options it is given. The "python" format (`bare_extraction`)
# gives the text `extract` would print, without the simhash fingerprint `extract` computes
# for every document (about 5% of trafilatura's time on the Mozilla set's pages).
_FAST_OPTIONS = Extractor(fast=True, comments=False, output_format="python")
_FULL_OPTIONS = Extractor(fast=False, comments=False, output_format="python")


def _stoplist_of_known_languages() -> tuple[str, ...]:
    """justext's stop words of the languages the bot knows, for trafilatura's justext pass.

    trafilatura calls justext without a language (we never pass it one: its ``target_language``
    also discards pages it takes for another language), and then builds, once, a stoplist of
    every language justext has: 154,484 words, which justext keeps again lower-cased, 31 MB
    held for the process's life. The bot reads its pages in the languages the summarizer knows
    (``summarizer.STEMMED_LANGUAGES``), whose stoplists make 51,658 words: a bot that reads 40
    pages grows 41 MB instead of 59 (scrapinghub's first 40 pages), with the same F1 on all
    three sets of benchmarks/extract.py (533 pages). A page in another language gets no help
    from justext's stop words, which its own words would rarely have given anyway.
    """
    known = [code for code in summarizer.STEMMED_LANGUAGES if code in JUSTEXT_LANGUAGES]
    names = {JUSTEXT_LANGUAGES[code] for code in known}
    words = tuple(sorted({word for name in names for word in get_stoplist(name)}))
    # the module's own cache of its stoplist (annotated None: it is only ever set by its init)
    trafilatura.external.JT_STOPLIST = words  # type: ignore[assignment]
    return words


# trafilatura reads its stoplist through this function the first time justext runs: ours
# gives the smaller one (loaded then, not at import). Its annotation says tuple[str], one word.
trafilatura.external.jt_stoplist_init = _stoplist_of_known_languages  # type: ignore[assignment]


def run_trafilatura(tree: lxml_html.HtmlElement, *, fast: bool) -> str:
    """trafilatura's plain text of the tree, as `trafilatura.extract` returns it (NFC, stripped)."""
    try:
        options = _FAST_OPTIONS if fast else _FULL_OPTIONS
        document = trafilatura.bare_extraction(tree, options=options)
    except (ValueError, TypeError, RecursionError, etree.LxmlError) as err:
        logger.warning("trafilatura failed (fast=%s): %s", fast, err)
        return ""
    if not isinstance(document, Document) or not document.text:
        return ""
    return unicodedata.normalize("NFC", document.text).strip()


def extract_body(region: Region, whole_page: Callable[[], lxml_html.HtmlElement]) -> str:
    """trafilatura's text of the region; its full cascade on the whole page when that is short
    or does not look like the region's article body (`_complete`), the one with more prose
    words winning."""
    return _read(region, whole_page)[0]


def body_lines(region: Region, whole_page: Callable[[], lxml_html.HtmlElement]) -> list[Line]:
    """`extract_body` as the lines the furniture rules read: they were made to judge it."""
    return _read(region, whole_page)[1]


def _read(
    region: Region, whole_page: Callable[[], lxml_html.HtmlElement]
) -> tuple[str, list[Line]]:
    fast = run_trafilatura(region.tree, fast=True)
    fast_lines = lines_of(fast.splitlines())
    if _complete(fast, fast_lines, region):
        return fast, fast_lines
    logger.debug("fast extraction incomplete (%s chars), running the full cascade", len(fast))
    full = run_trafilatura(whole_page(), fast=False)
    full_lines = lines_of(full.splitlines())
    if (prose_words(full_lines), len(full)) > (prose_words(fast_lines), len(fast)):
        return full, full_lines
    return fast, fast_lines


def _complete(text: str, lines: list[Line], region: Region) -> bool:
    """Long enough, keeping most of the region's prose, and (unless the region is a container
    trusted for its prose, where lists, tables and code belong to the article) mostly prose."""
    if len(text) < RETRY_BELOW_CHARS:
        return False
    prose = prose_words(lines)
    if prose < COMPLETE_SHARE * region.prose_words:
        return False
    return region.narrowed or prose >= COMPLETE_SHARE * word_count(text)
