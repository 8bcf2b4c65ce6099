"""HTML fragments (feed summaries and contents) to plain paragraphs."""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Sequence

from lxml import etree
from lxml import html as lxml_html

__all__ = ["html_to_text"]

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
