"""Flattened text in lines, with what every furniture rule asks of a line computed once."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["WORD", "Line", "lines_of", "prose_word_count", "word_count"]

WORD = re.compile(r"\w+")
# Scripts written without spaces: one \w+ run can be a whole sentence, so count characters.
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_TERMINALS = frozenset(".!?…。！？")
_CLOSERS = "\"'”’»)]"
_SENTENCE_BREAK = re.compile(r"""[.!?…。！？][\"'”’»)\]]*\s""")

#: A paragraph with at least this many words that ends like a sentence is article prose.
_SENTENCE_WORDS = 8


def word_count(text: str) -> int:
    words = len(WORD.findall(text))
    return words if text.isascii() else words + len(_CJK.findall(text)) // 2


@dataclass(frozen=True, slots=True)
class Line:
    """One paragraph of flattened text with the features every rule needs, computed once."""

    text: str
    words: int
    prose: bool  # long enough, and ends like a sentence or holds several

    @classmethod
    def of(cls, text: str) -> Line:
        words = word_count(text)
        return cls(text, words, words >= _SENTENCE_WORDS and _reads_like_sentences(text))


def prose_word_count(text: str) -> int:
    """`Line.of(text).words` when the line is prose, else 0; the sentence test first, as it is
    cheaper than counting words and most lines of a page fail it."""
    if not _reads_like_sentences(text):
        return 0
    words = word_count(text)
    return words if words >= _SENTENCE_WORDS else 0


def _reads_like_sentences(text: str) -> bool:
    """Ends like a sentence (closing quotes and brackets allowed), or holds two sentence ends."""
    return text.rstrip(_CLOSERS)[-1:] in _TERMINALS or len(_SENTENCE_BREAK.findall(text)) >= 2


def lines_of(raw: Iterable[str]) -> list[Line]:
    out = []
    for line in raw:
        text = " ".join(line.split())
        if text:
            out.append(Line.of(text))
    return out
