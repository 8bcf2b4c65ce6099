"""Text -> blocks -> sentences -> words, with no NLTK data.

sumy's own ``Tokenizer`` needs NLTK's punkt data, which cannot be downloaded here, and its
NLTK word tokenizer is the slowest step of a summary. This module replaces both:

* sentences come from nupunkt (a packaged Punkt model, loaded once on first use), repaired
  with a few rules for what an English-trained model gets wrong elsewhere, and re-split at
  the full stops of scripts that do not use ``.`` (Chinese and Japanese ``。！？``, Arabic
  ``؟``, Devanagari ``।``);
* words come from one regular expression (letters, inner apostrophes and hyphens; each Han
  character is a word of its own, since Chinese and Japanese do not separate words).

:class:`NewsTokenizer` wraps both behind sumy's tokenizer protocol (``language``,
``to_sentences``, ``to_words``), so every sumy summarizer runs on it unchanged.

Line structure matters in cleaned article text: a blank line or a line break ends a block
(a paragraph, a bullet, a sub-heading, a byline), except that a line starting with a
lower-case letter continues the line before it (hard-wrapped prose). Sentences never cross
blocks. Sentences are returned as they appear in the text, with runs of white space
(including a line break inside a wrapped sentence) collapsed to one space.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Block",
    "NewsTokenizer",
    "count_words",
    "split_blocks",
    "split_words",
]

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HIRAGANA = "\u3040-\u309f"
_KATAKANA = "\u30a0-\u30ff"
_CJK = _HAN + _HIRAGANA + _KATAKANA
_LETTERS = rf"[^\W\d_{_CJK}]"

# A word: a Han character alone, a run of kana, or letters with inner ' ’ or - (don't, e-mail).
_WORD = re.compile(rf"[{_HAN}]|[{_HIRAGANA}]+|[{_KATAKANA}]+|{_LETTERS}+(?:['’\-]{_LETTERS}+)*")
# The same without the CJK branches: a third faster, for the sentences with no CJK in them.
_PLAIN_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
# For word budgets: a CJK character counts as a word, and so does any other run of non-space.
_BUDGET_WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
_HAS_CJK = re.compile(rf"[{_CJK}]")

# Sentence ends that Punkt (trained on "." "?" "!") does not know.
_FOREIGN_TERMINALS = frozenset("。！？｡؟।॥")
_OPENERS = frozenset("「『（《【〈“‘(")
_CLOSERS = frozenset("」』）》】〉”’)")
_QUOTE_CLOSERS = frozenset("」』）》】〉”’)\"'")
_HAS_FOREIGN_TERMINAL = re.compile("[。！？｡؟।॥]")
_MAX_QUOTE = 300

_BULLET = re.compile(r"[•◦▪▫‣∙·●○■□►▸✓✔*+\-–—]\s|\d{1,3}[.)]\s|\(\d{1,3}\)\s")
_TERMINAL = re.compile(r"[.!?…:;。！？｡؟।॥][\"'”’»)\]」』）]*$")
# A block this short without final punctuation is a heading, byline or label, not a sentence.
_HEADING_MAX_WORDS = 25
# A full stop after a lower-case word of four letters or more, then a capitalised word: a
# sentence boundary the model sometimes misses ("…for much of the month. Delegates from…"),
# and inside a block, the mark of prose rather than a heading (`_looks_like_heading`).
_MISSED_BREAK = re.compile(r"(?<=[a-z]{4}\.) (?=[A-Z][a-z])")

# Tokens ending a Punkt piece that are abbreviations in these languages, so the next piece
# belongs to the same sentence ("3 Mio. Euro", "Sr. García", "M. Macron" is already known).


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ABBREVIATIONS: dict[str, frozenset[str]] = {
    "de": _word_set(
        "z.b. bzw. ca. usw. vgl. mio. mrd. nr. dr. prof. st. str. abs. jh. inkl. evtl. ggf. "
        "d.h. u.a. bspw. sog. gegr. geb. hrsg. tsd. zzgl. ehem. mind. max."
    ),
    "fr": _word_set("m. mm. mme. dr. pr. me. mgr. av. bd. env. st. ste. cf. p. vol."),
    "es": _word_set("sr. sra. srta. dr. dra. ud. uds. núm. pág. av. lic. ing. prof."),
    "it": _word_set("sig. sigg. dott. prof. ing. avv. on. sen. geom. rag. ecc. pag."),
    "pt": _word_set("sr. sra. dr. dra. prof. av. eng. pág. núm."),
    "nl": _word_set("dhr. mevr. bijv. o.a. nr. ca. drs. ir. prof. mr. blz."),
}
# Languages that write ordinals as "3." ("am 3. Mai"): a piece ending in one continues.
_DOT_ORDINALS = _word_set("cs da de et fi hr hu is lt lv nb nn no pl sk sl sr tr")
_ENDS_WITH_ORDINAL = re.compile(r"(?:^|\s)\d{1,2}\.$")


@dataclass(frozen=True, slots=True)
class Block:
    """One paragraph, bullet or heading line of the text, white space collapsed.

    ``paragraph`` numbers the blank-line separated paragraphs (not consecutively).

    ``is_heading`` marks a short line with no final punctuation that is not a bullet: a
    sub-heading, byline or label. It is kept (it is text), but summaries avoid it.
    """

    text: str
    is_heading: bool
    paragraph: int


def split_blocks(text: str) -> list[Block]:
    """Cut text into blocks at blank lines and line breaks (see the module docstring)."""
    blocks: list[Block] = []
    lines: list[str] = []
    paragraph = 0

    def flush() -> None:
        if lines:
            joined = " ".join(lines)
            blocks.append(Block(joined, _looks_like_heading(joined, len(lines)), paragraph))
            lines.clear()

    for raw in text.splitlines():
        line = " ".join(raw.split())
        if not line:
            flush()
            paragraph += 1
        elif lines and line[0].islower():
            lines.append(line)
        else:
            flush()
            lines.append(line)
    flush()
    return blocks


def _looks_like_heading(block: str, line_count: int) -> bool:
    if line_count > 1 or _BULLET.match(block):
        return False
    if block.isupper() and all(not c.isalpha() or c.isupper() for c in block):
        return True  # sumy's rule: a line in capitals is a heading
    if _TERMINAL.search(block) or len(block.split()) > _HEADING_MAX_WORDS:
        return False
    # A heading is one phrase: a short block that ends one sentence and starts another is a
    # paragraph whose end was cut ("…clocking 3:35.27 in Birmingham. And"), not a heading.
    return not _MISSED_BREAK.search(block)


@functools.cache
def _punkt() -> Any:
    """nupunkt's packaged English model: loaded on first use (~30 ms), then shared."""
    import nupunkt

    return nupunkt.load("default")


_LONG_ABBREVIATIONS = frozenset(
    _word_set("approx incl excl dept govt assn univ misc intl corp natl mgmt prof admin info")
)


def _split_missed_breaks(piece: str) -> list[str]:
    parts: list[str] = []
    start = 0
    for match in _MISSED_BREAK.finditer(piece):
        word = piece[: match.start() - 1].rsplit(" ", 1)[-1]
        if word.lower() in _LONG_ABBREVIATIONS:
            continue
        parts.append(piece[start : match.start()])
        start = match.end()
    parts.append(piece[start:])
    return parts


def split_block(block: str, language: str) -> list[str]:
    """Sentences of one block (white space already collapsed)."""
    pieces: list[str] = [
        part for piece in _punkt().tokenize(block) for part in _split_missed_breaks(piece)
    ]
    if _HAS_FOREIGN_TERMINAL.search(block):
        pieces = [part for piece in pieces for part in _split_foreign_terminals(piece)]
    return _merge_false_breaks([p.strip() for p in pieces if p.strip()], language)


def _split_foreign_terminals(text: str) -> Iterator[str]:
    """Split after 。！？ (and ؟ ।), with closing quotes, but not inside 「quotes」.

    A bracket left open (a typo, a quote spanning paragraphs) stops protecting its contents
    after ``_MAX_QUOTE`` characters, so one stray 「 cannot glue the rest of a text together.
    """
    depth = 0
    opened = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        char = text[i]
        if char in _OPENERS:
            if depth == 0:
                opened = i
            depth += 1
        elif char in _CLOSERS:
            depth = max(0, depth - 1)
        elif char in _FOREIGN_TERMINALS and (depth == 0 or i - opened > _MAX_QUOTE):
            depth = 0
            end = i + 1
            while end < n and (text[end] in _FOREIGN_TERMINALS or text[end] in _QUOTE_CLOSERS):
                end += 1
            piece = text[start:end].strip()
            if piece:
                yield piece
            start = i = end
            continue
        i += 1
    tail = text[start:].strip()
    if tail:
        yield tail


def _merge_false_breaks(pieces: list[str], language: str) -> list[str]:
    """Undo Punkt breaks before a lower-case word or after a known abbreviation or ordinal."""
    if len(pieces) < 2:
        return pieces
    abbreviations = _ABBREVIATIONS.get(language, frozenset())
    ordinals = language in _DOT_ORDINALS
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1]
        last_token = previous.rsplit(" ", 1)[-1].lower()
        if (
            piece[0].islower()
            or last_token in abbreviations
            or (ordinals and _ENDS_WITH_ORDINAL.search(previous))
        ):
            merged[-1] = f"{previous} {piece}"
        else:
            merged.append(piece)
    return merged


def split_words(sentence: str) -> list[str]:
    """Words of a sentence as written: letters only, numbers and punctuation dropped."""
    words: list[str] = (_PLAIN_WORD if _HAS_CJK.search(sentence) is None else _WORD).findall(
        sentence
    )
    return words


def count_words(sentence: str) -> int:
    """Length for word budgets: white-space separated tokens, and each CJK character."""
    if _HAS_CJK.search(sentence) is None:
        return len(sentence.split())
    return len(_BUDGET_WORD.findall(sentence))


class NewsTokenizer:
    """sumy's tokenizer protocol on nupunkt and a regular expression; needs no NLTK data.

    ``language`` is the ISO 639-1 code; it tunes the abbreviation and ordinal repairs.
    """

    def __init__(self, language: str) -> None:
        self._language = language

    @property
    def language(self) -> str:
        return self._language

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        sentences: list[str] = []
        for block in split_blocks(paragraph):
            sentences.extend(split_block(block.text, self._language))
        return tuple(sentences)

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return tuple(split_words(sentence))
