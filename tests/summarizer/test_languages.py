"""Languages: detection, names and codes, stemmers and the fallback without one."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

import summarizer._summarize as summarize_module
from summarizer import SummarizerError, detect_language, summarize
from summarizer._languages import _snowball as snowball_stem
from summarizer._languages import get_language, resolve_language

GERMAN = (
    "Die Bundesregierung hat am Montag neue Verhandlungen mit den Gewerkschaften angekündigt. "
    "Die Verhandlungen sollen noch in dieser Woche in Berlin beginnen. "
    "Die Gewerkschaften fordern höhere Löhne für alle Beschäftigten im öffentlichen Dienst. "
    "Der Finanzminister warnte vor zu hohen Kosten für den Haushalt des Bundes. "
    "Ein Ergebnis wird frühestens im Frühjahr erwartet."
)
FRENCH = (
    "Le gouvernement a annoncé lundi de nouvelles négociations avec les syndicats. "
    "Les négociations doivent commencer cette semaine à Paris. "
    "Les syndicats réclament des salaires plus élevés pour tous les fonctionnaires. "
    "Le ministre des Finances a mis en garde contre le coût pour le budget de l'État."
)
GREEK = (
    "Η κυβέρνηση ανακοίνωσε τη Δευτέρα νέες διαπραγματεύσεις με τα συνδικάτα. "
    "Οι διαπραγματεύσεις θα ξεκινήσουν αυτή την εβδομάδα στην Αθήνα. "
    "Τα συνδικάτα ζητούν υψηλότερους μισθούς για όλους τους δημοσίους υπαλλήλους."
)


@pytest.mark.parametrize(("text", "code"), [(GERMAN, "de"), (FRENCH, "fr"), (GREEK, "el")])
def test_detects_the_language_of_news_prose(text, code):
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "12 345 - 67", "!!! ???"])
def test_detection_falls_back_to_english_without_letters(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    ("text", "code", "stemmer_name"), [(GERMAN, "de", "german"), (FRENCH, "fr", "french")]
)
def test_detected_text_is_summarized_with_that_languages_stemmer(
    monkeypatch, text, code, stemmer_name
):
    used = []

    def spy(language_code):
        language = get_language(language_code)
        used.append(language)
        return language

    monkeypatch.setattr(summarize_module, "get_language", spy)
    summary = summarize(text, 2)
    assert [(language.code, language.name, language.has_stemmer) for language in used] == [
        (code, stemmer_name, True)
    ]
    assert len(summary) == 2


def test_german_stemmer_conflates_inflected_forms():
    german = get_language("de")
    assert german.term("Verhandlungen") == german.term("Verhandlung")
    assert german.term("die") is None  # a stop word


@pytest.mark.parametrize("name", ["de", "DE", "german", "German", "de-AT", "de_DE"])
def test_codes_and_names_of_a_language_are_equivalent(name):
    assert resolve_language(name) == "de"


def test_unknown_language_raises_an_error_saying_what_to_pass():
    with pytest.raises(SummarizerError, match="ISO 639-1"):
        summarize(GERMAN, language="klingon")


def test_a_language_sumy_cannot_stem_is_summarized_on_plain_words():
    turkish = (
        "Hükümet pazartesi günü sendikalarla yeni müzakereler başlatacağını açıkladı. "
        "Müzakereler bu hafta Ankara'da başlayacak. "
        "Sendikalar tüm kamu çalışanları için daha yüksek maaş talep ediyor."
    )
    assert not get_language("tr").has_stemmer
    assert len(summarize(turkish, 2, "tr")) == 2


def test_greek_without_its_optional_stemmer_still_uses_greek_stop_words():
    greek = get_language("el")
    assert greek.stop_words
    assert len(summarize(GREEK, 2)) == 2


@pytest.mark.parametrize("text", [GERMAN, FRENCH, GREEK, "The talks in Miami went on."])
def test_detection_agrees_with_py3langid_itself(text):
    import py3langid

    assert detect_language(text) == py3langid.classify(text[:200])[0]


def test_a_blank_language_is_detected_like_none(monkeypatch):
    used = []
    monkeypatch.setattr(
        summarize_module, "get_language", lambda code: used.append(code) or get_language(code)
    )
    summarize(GERMAN, 2, "")
    assert used == ["de"]


def test_languages_are_public_for_callers_that_stem_and_filter_alike():
    import summarizer

    german = summarizer.get_language(summarizer.resolve_language("German"))
    assert isinstance(german, summarizer.Language)
    assert german is get_language("de")  # one object per language, whoever asks
    assert german.stem_word("Verhandlungen") == german.stem_word("verhandlungen")


@pytest.mark.parametrize(("code", "snowball"), [("en", True), ("de", True), ("cs", False)])
def test_a_language_says_whether_its_stemmer_is_a_snowball_algorithm(code, snowball):
    assert get_language(code).snowball is snowball


def test_a_language_without_a_stemmer_is_not_snowball():
    assert get_language("tr").snowball is False


@pytest.mark.parametrize(
    ("code", "word", "stem"),
    [
        ("en", "ceasefires", "ceasefir"),
        ("fr", "négociations", "négoci"),
        ("ru", "переговоры", "переговор"),
    ],
)
def test_snowball_languages_stem_with_the_snowball_algorithm(code, word, stem):
    assert get_language(code).stem_word(word) == stem


def test_a_snowball_stemmer_gives_each_thread_its_own_answer():
    words = [
        f"{root}{ending}"
        for root in ("negotiat", "ceasefir", "govern")
        for ending in ("ions", "es", "ing", "ed")
    ]
    alone = [snowball_stem("english")(word) for word in words]
    stem = snowball_stem("english")  # one stemmer object, shared by every thread
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda _: [stem(word) for word in words], range(200)))
    assert together == [alone] * 200


def test_the_default_method_and_snowball_stemming_do_not_load_nltk():
    script = (
        "import sys, summarizer;"
        "summarizer.summarize('The talks resumed on Monday in Cairo after a week. ' * 3, 1, 'en');"
        "summarizer.get_language('de').stem_word('Verhandlungen');"
        "print(sorted(m for m in sys.modules if m.startswith(('nltk', 'sumy.summarizers'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert loaded.stdout.strip() == "[]"
