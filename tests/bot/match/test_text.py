"""Words to stems: folding, and the stemmer matching shares with the summarizer."""

from __future__ import annotations

import summarizer
from bot.match.text import fold, stemmer_for


def test_a_word_is_folded_then_stemmed_by_the_summarizers_stemmer() -> None:
    german = summarizer.get_language("de")
    assert stemmer_for("de")("VERHANDLUNGEN") == german.stem_word(fold("VERHANDLUNGEN"))
    assert stemmer_for("de")("Verhandlungen") == stemmer_for("de")("Verhandlung")


def test_codes_sharing_a_stemmer_share_one_memo() -> None:
    assert stemmer_for("no") is stemmer_for("nb") is stemmer_for("nn")
    assert stemmer_for("en") is stemmer_for("") is stemmer_for("en-GB")


def test_a_language_matching_does_not_stem_is_only_folded() -> None:
    czech = stemmer_for("cs")
    assert czech("Míra") == "mira"
    assert czech("mír") == "mir"  # sumy's Czech stemmer would make both "mír"


def test_unstemmed_languages_share_one_stemmer() -> None:
    assert stemmer_for("uk") is stemmer_for("cs") is stemmer_for("tr")
