"""Properties that hold for any text, checked on generated input."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from summarizer import split_sentences, summarize

# Words, punctuation, line breaks, abbreviations and CJK, so boundaries of every kind occur.
VOCABULARY = (
    "the talks in Miami on Ukraine peace plan ceasefire Russia said envoy . , ! ? "
    "“quote” • 3. Mr. U.S. 。 会谈 über"
)
WORDS = st.sampled_from([*VOCABULARY.split(" "), "\n", "\n\n"])
TEXTS = st.lists(WORDS, max_size=80).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(text=TEXTS, count=st.integers(min_value=1, max_value=5))
def test_summary_is_an_ordered_selection_of_the_texts_sentences(text, count):
    sentences = split_sentences(text, "en")
    summary = summarize(text, count, "en")
    # Heading-like lines are left out when there is anything else, so fewer may come back.
    assert bool(summary) == bool(sentences)
    assert len(summary) <= count
    # A subsequence of the text's sentences, in order (a sentence may occur twice in a text).
    remaining = iter(sentences)
    assert all(any(sentence == other for other in remaining) for sentence in summary)


@settings(max_examples=60, deadline=None)
@given(text=TEXTS, budget=st.integers(min_value=1, max_value=40))
def test_a_budget_keeps_at_least_one_sentence_and_otherwise_fits(text, budget):
    summary = summarize(text, 5, "en", max_words=budget)
    assert bool(summary) == bool(split_sentences(text, "en"))
    if len(summary) > 1:
        assert sum(len(sentence.split()) for sentence in summary) <= budget
