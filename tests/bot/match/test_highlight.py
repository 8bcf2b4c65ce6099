"""Highlighting the matched terms in a story's text."""

from __future__ import annotations

from bot.match import highlight_spans


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
