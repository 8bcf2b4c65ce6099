"""trafilatura, run the way this package uses it: fast pass first, full cascade when needed."""

from __future__ import annotations

import logging

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import Extractor

__all__ = ["RETRY_BELOW_CHARS", "run_trafilatura"]

logger = logging.getLogger(__name__)

#: A fast extraction shorter than this many characters is retried with trafilatura's full
#: cascade (readability/justext comparison), which is ~2x slower but rescues odd layouts.
RETRY_BELOW_CHARS = 250

# Built once: constructing an Extractor reads its config file section (~0.4 ms a call), and
# trafilatura never mutates the options it is given.
_FAST_OPTIONS = Extractor(fast=True, comments=False)
_FULL_OPTIONS = Extractor(fast=False, comments=False)


def run_trafilatura(tree: lxml_html.HtmlElement, *, fast: bool) -> str:
    try:
        text = trafilatura.extract(tree, options=_FAST_OPTIONS if fast else _FULL_OPTIONS)
    except (ValueError, TypeError, RecursionError, etree.LxmlError) as err:
        logger.warning("trafilatura failed (fast=%s): %s", fast, err)
        return ""
    return text or ""
