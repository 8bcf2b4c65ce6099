"""summarize(): what comes back, how many, in which order, within which budget."""

from __future__ import annotations

import pytest

from summarizer import METHODS, SummarizerError, split_sentences, summarize

SHORT = (
    "The city council approved the new budget on Tuesday after a long debate. "
    "The plan raises spending on schools and roads by four percent."
)


def test_returns_sentences_verbatim_from_the_text_in_article_order(seed_texts):
    clean, _page = seed_texts
    summary = summarize(clean, 4)
    positions = [clean.index(sentence) for sentence in summary]
    assert positions == sorted(positions)


def test_returns_the_requested_number_of_sentences(seed_texts):
    clean, _page = seed_texts
    assert [len(summarize(clean, n)) for n in (1, 3, 5)] == [1, 3, 5]


def test_short_text_returns_all_its_sentences():
    assert summarize(SHORT, 5) == split_sentences(SHORT)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t \n"])
def test_empty_or_blank_text_returns_no_sentences(text):
    assert summarize(text) == []


def test_word_budget_is_never_exceeded_once_a_sentence_is_chosen(seed_texts):
    clean, _page = seed_texts
    for budget in (40, 60, 90):
        summary = summarize(clean, 5, max_words=budget)
        assert summary
        assert sum(len(sentence.split()) for sentence in summary) <= budget


def test_budget_below_the_best_sentence_returns_that_sentence_whole(seed_texts):
    clean, _page = seed_texts
    best = summarize(clean, 1)
    assert summarize(clean, 3, max_words=5) == best


def test_unknown_method_raises_an_error_naming_the_valid_methods():
    with pytest.raises(SummarizerError) as error:
        summarize(SHORT, method="gpt")
    assert all(name in str(error.value) for name in METHODS)


def test_summarizer_error_is_a_value_error():
    with pytest.raises(ValueError, match="sentences must be at least 1"):
        summarize(SHORT, 0)


@pytest.mark.parametrize("method", METHODS)
def test_every_method_picks_three_sentences_of_the_seed(seed_texts, method):
    clean, _page = seed_texts
    summary = summarize(clean, 3, method=method)
    assert len(summary) == 3
    assert all(sentence in split_sentences(clean) for sentence in summary)


def test_seed_summary_opens_with_the_lead_sentence_about_ukraine_talks(seed_texts):
    clean, _page = seed_texts
    first = summarize(clean, 3)[0]
    assert first.startswith("Washington has proposed the first face-to-face negotiations")
    assert "Ukraine" in first


def test_byline_and_subheadings_are_not_chosen(seed_texts):
    clean, _page = seed_texts
    summary = " ".join(summarize(clean, 8))
    assert "Lucy Davalou" not in summary
    assert "Published on" not in summary
    assert "Ukrainian, EU and American partners met on Friday" not in summary


def test_a_text_of_headings_only_still_gets_a_summary():
    assert summarize("Breaking news\nMore to follow", 3) == ["Breaking news", "More to follow"]


def test_title_helps_but_is_never_returned(seed_texts):
    clean, _page = seed_texts
    title = "US and Russian envoys meet in Miami over Ukraine peace plan"
    assert title not in summarize(clean, 3, title=title, method="edmundson")
    assert title not in summarize(clean, 3, title=title)


def test_bullets_quotes_and_byline_text_is_summarized_line_by_line():
    text = (
        "By Jane Doe\n"
        "Key points:\n"
        "• The central bank raised interest rates by half a point on Thursday morning\n"
        "• Inflation has stayed above the target of two percent for three years\n"
        '"We will do whatever it takes to bring prices down," the governor told reporters.\n'
        "Markets fell sharply after the announcement, with bank shares leading losses."
    )
    summary = summarize(text, 2)
    assert len(summary) == 2
    assert all(sentence in text for sentence in summary)
    assert "By Jane Doe" not in summary


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("text", ["12 34. 56 78. 90.", "... !!! ???", "😀 😀. 🎉!"])
def test_every_method_copes_with_text_that_has_no_words(method, text):
    sentences = split_sentences(text, "en")
    summary = summarize(text, 2, "en", method=method)
    assert len(summary) == min(2, len(sentences))
    assert set(summary) <= set(sentences)
