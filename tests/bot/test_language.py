"""Languages decided in one place: declared tags read, the text's own language, stemmers shared."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

import summarizer
from bot.language import (
    FALLBACK,
    TEXT_DECIDES_AT,
    decide,
    normalize,
    stem_language,
    stemmer,
    stop_words,
)

GERMAN = (
    "Die Verhandlungen über eine Waffenruhe wurden am Montag in Berlin fortgesetzt, "
    "teilte ein Sprecher der Bundesregierung mit."
)


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("en", "en"),
        ("en-us", "en"),
        ("EN-GB", "en"),
        ("de_DE", "de"),
        ("pt-BR", "pt"),
        ("zh-Hant-TW", "zh"),
        ("German", "de"),
        ("deu", "de"),
        ("iw", "he"),
        (" fr ", "fr"),
        ("en, fr", "en"),
        ("tr", "tr"),
    ],
)
def test_declared_tags_are_read_as_iso_codes(tag: str, code: str) -> None:
    assert normalize(tag) == code


@pytest.mark.parametrize("tag", [None, "", "  ", "klingon", "xx", "x-default", "en" * 40, "und"])
def test_tags_that_name_no_language_are_none(tag: str | None) -> None:
    assert normalize(tag) is None


def test_enough_text_overrules_the_declaration() -> None:
    assert len(GERMAN) >= TEXT_DECIDES_AT
    assert decide(GERMAN, declared="en") == "de"


def test_a_short_text_keeps_its_declared_language() -> None:
    assert decide("Breaking: Berlin talks", declared="de-DE") == "de"


def test_a_short_text_without_a_usable_declaration_is_detected() -> None:
    assert decide("Die Verhandlungen gehen weiter", declared="klingon") == "de"


def test_counting_starts_at_the_first_letter() -> None:
    short = " " * 100 + "Ukraine talks"
    assert decide(short, declared="fr") == "fr"


def test_nothing_to_go_on_gives_the_fallback() -> None:
    assert decide("", None) == FALLBACK
    assert decide("12:30 – 14:00", None) == FALLBACK
    assert decide("12:30 – 14:00", declared="es") == "es"


def test_a_template_declaring_english_on_a_zulu_page_is_overruled(shared_dir: Path) -> None:
    """Fundus test page whose lang attribute says "en" while the article is written in Zulu."""
    pages = shared_dir / "data" / "extraction" / "fundus-publisher-test-pages"
    truth = json.loads((pages / "ground-truth.json").read_text(encoding="utf-8"))
    page_id = "za-Isolezwe_2025_11_09"
    with gzip.open(pages / "html" / f"{page_id}.html.gz", "rt", encoding="utf8") as page:
        start = page.read(200)
    assert ' lang="en"' in start
    assert decide(truth[page_id]["articleBody"], declared="en") == "zu"


def test_matching_stems_with_the_summarizers_memoized_stemmer() -> None:
    assert stemmer("de") == summarizer.get_language("de").stem_word
    assert stemmer("de-AT") == summarizer.get_language("de").stem_word


@pytest.mark.parametrize("code", ["cs", "sk", "pl", "uk", "el", "tr", "ja", "klingon"])
def test_languages_without_a_snowball_stemmer_are_not_stemmed_for_matching(code: str) -> None:
    assert stem_language(code) == ""
    assert stemmer(code) is None


def test_languages_sharing_a_stemmer_share_a_code() -> None:
    assert stem_language("no") == stem_language("nn") == stem_language("nb") == "nb"
    assert stem_language("english") == stem_language("en-US") == "en"


def test_an_empty_language_is_stemmed_as_the_fallback() -> None:
    assert stem_language("") == FALLBACK


def test_stop_words_are_the_summarizers() -> None:
    assert stop_words("de") == summarizer.get_language("de").stop_words
    assert "und" in stop_words("de-DE")
