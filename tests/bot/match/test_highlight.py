"""Highlighting the matched terms in a story's text."""

from __future__ import annotations

import json
import random
import re
from itertools import pairwise
from pathlib import Path

import pytest

from bot.match import highlight_spans
from bot.match.direct import stem_groups
from bot.match.highlight import Highlighter, Passage, Terms
from bot.match.story import find_phrase
from bot.match.text import TOKEN_RE, stemmer_for, tokenize, word_groups
from summarizer import split_sentences


def test_highlight_spans_cover_inflected_forms() -> None:
    text = "A Cease-fire was agreed; ceasefires elsewhere held, and the CEASEFIRE holds."
    spans = highlight_spans(text, ["ceasefire"])
    assert [text[a:b] for a, b in spans] == ["Cease-fire", "ceasefires", "CEASEFIRE"]


def test_highlight_spans_cover_phrases_and_accents(seed_texts: tuple[str, str]) -> None:
    clean = seed_texts[0]
    spans = highlight_spans(clean, ["peace plan", "kyïv"])
    assert [clean[a:b] for a, b in spans] == ["peace plan", "peace plan", "Kyiv", "Kyiv"]


def test_highlight_spans_merge_overlaps_and_skip_absent_terms() -> None:
    text = "The peace plan talks."
    assert highlight_spans(text, ["peace plan", "plan talks", "olympics"]) == [(4, 20)]


def test_highlight_spans_cover_compounds_of_any_hyphen_and_their_parts() -> None:
    text = "The cease\u2011fire and a three-party-deal held; fire went on."
    spans = highlight_spans(text, ["ceasefire", "party deal", "fire"])
    assert [text[a:b] for a, b in spans] == ["cease\u2011fire", "party-deal", "fire"]


# --- one reading, many queries: the same spans as reading the sentence for each query ----------


def _reference_spans(text: str, terms: list[str], language: str) -> list[tuple[int, int]]:
    """Highlighting as it was before a sentence was read once for many queries: tokenize the
    sentence for every query, then find each term's occurrences (the oracle for the test)."""
    stemmer = stemmer_for(language)
    positions: dict[str, list[tuple[int, int]]] = {}
    starts: dict[int, int] = {}
    ends: dict[int, int] = {}
    for token in tokenize(text, stemmer):
        positions.setdefault(token.stem, []).append((token.first, token.last))
        if token.first == token.last:
            starts[token.first], ends[token.last] = token.start, token.end
    spans = []
    for term in terms:
        groups = stem_groups(word_groups(term), stemmer)
        if groups:
            spans += [(starts[f], ends[last]) for last, f in find_phrase(groups, positions).items()]
    covered = [False] * (len(text) + 1)  # spans that touch or overlap become one run
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    runs = re.finditer(r"1+", "".join("1" if c else "0" for c in covered))
    return [(run.start(), run.end()) for run in runs]


def _queries(sentences: list[str], rng: random.Random) -> list[list[str]]:
    """Term lists as matches report them: words of the article (present or not in a given
    sentence), upper-cased or accented, two-word phrases, hyphenated compounds, their parts and
    the compounds written as one word."""
    words = [w for s in sentences for w in TOKEN_RE.findall(s)]
    compounds = [w for w in words if "-" in w]
    pairs = [f"{a} {b}" for s in sentences for a, b in pairwise(TOKEN_RE.findall(s))]
    terms = rng.sample(words, min(40, len(words))) + rng.sample(pairs, min(20, len(pairs)))
    terms += compounds[:10] + [c.replace("-", " ") for c in compounds[:5]]
    terms += [c.replace("-", "") for c in compounds[:5]]
    terms += [w.upper() for w in rng.sample(words, min(5, len(words)))]
    terms += [w.replace("e", "é") for w in rng.sample(words, min(5, len(words)))]
    return [rng.sample(terms, rng.randint(1, 3)) for _ in range(40)]


def _articles(shared_dir: Path, corpus: str, language: str) -> list[list[str]]:
    """The sentences of the corpus's first eight articles."""
    path = shared_dir / "data" / "summarization" / corpus / f"{corpus}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()[:8]]
    return [split_sentences(row["text"], language) for row in rows]


@pytest.mark.parametrize(
    ("corpus", "language"), [("cnndm_test_frank", "en"), ("fundus_teaser_de", "de")]
)
def test_a_sentence_read_once_highlights_every_query_as_reading_it_each_time(
    shared_dir: Path, corpus: str, language: str
) -> None:
    rng = random.Random(20251221)
    compared = found = 0
    for sentences in _articles(shared_dir, corpus, language):
        queries = _queries(sentences, rng)
        for sentence in sentences:
            read = Highlighter(sentence, language)
            for terms in queries:
                expected = _reference_spans(sentence, terms, language)
                assert (read.spans(terms), read.shows(Terms(terms, language))) == (
                    expected,
                    bool(expected),
                )
                compared, found = compared + 1, found + bool(expected)
    assert found > compared // 10  # the queries do find things: the comparison is not vacuous


@pytest.mark.parametrize(
    ("corpus", "language"), [("cnndm_test_frank", "en"), ("fundus_teaser_de", "de")]
)
def test_a_passage_finds_the_sentences_showing_a_term_as_each_sentence_says(
    shared_dir: Path, corpus: str, language: str
) -> None:
    """Looking for a term only where all its words are (through the sentences each stem is in)
    finds what asking every sentence finds: words, phrases, compounds, their parts."""
    rng = random.Random(20251221)
    compared = found = 0
    for sentences in _articles(shared_dir, corpus, language):
        passage = Passage(sentences, language)
        read = [Highlighter(sentence, language) for sentence in sentences]
        for term in {t for terms in _queries(sentences, rng) for t in terms}:
            found_in = [r.shows(Terms([term], language)) for r in read]
            expected = {s for s, shows in zip(sentences, found_in, strict=True) if shows}
            assert passage.showing(term) == expected, term
            compared, found = compared + len(sentences), found + len(expected)
    assert 0 < found < compared // 2  # sentences with and without a term: not vacuous
