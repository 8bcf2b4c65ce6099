"""Focused summaries: built around what a reader asked for, within the same length budget."""

from __future__ import annotations

import pytest

from summarizer import SummarizerError, rank, split_sentences, summarize

STORY = (
    "Envoys from both countries met in Miami on Saturday for a second day of talks on the war. "
    "The meeting followed weeks of visits by officials to Kyiv, Moscow and European capitals. "
    "Both delegations described the atmosphere as constructive but declined to give any details. "
    "Officials said the next round of talks could take place in Geneva before the month ends. "
    "The first point of the proposed twenty-point plan is a ceasefire along the whole front line. "
    "Both sides accused each other of shelling towns near the front on the night before the talks. "
    "Observers said a ceasefire would need monitors on the ground to hold for more than a few days."
)
SENTENCES = split_sentences(STORY)


def mentions_ceasefire(sentence: str) -> bool:
    return "ceasefire" in sentence.lower()


def words(summary: list[str]) -> int:
    return sum(len(sentence.split()) for sentence in summary)


def test_story_is_split_as_these_tests_expect():
    assert len(SENTENCES) == 7
    assert [mentions_ceasefire(s) for s in SENTENCES] == [False] * 4 + [True, False, True]


def test_focus_swaps_the_best_matching_sentence_for_the_weakest_chosen_one():
    assert summarize(STORY, 3, focus=mentions_ceasefire) == [
        SENTENCES[0],
        SENTENCES[1],
        SENTENCES[4],
    ]


def test_focused_summary_keeps_the_count_and_article_order():
    for count in (1, 2, 3, 4):
        summary = summarize(STORY, count, focus=mentions_ceasefire)
        positions = [SENTENCES.index(sentence) for sentence in summary]
        assert len(summary) == count
        assert positions == sorted(positions)
        assert any(map(mentions_ceasefire, summary))


def test_focused_summary_stays_within_the_word_budget():
    budget = words(SENTENCES[:3])
    plain = summarize(STORY, 3, max_words=budget)
    focused = summarize(STORY, 3, max_words=budget, focus=mentions_ceasefire)
    assert plain == SENTENCES[:3]
    assert words(focused) <= budget
    assert focused == [SENTENCES[0], SENTENCES[4]]  # the weakest chosen ones made room


def test_focused_sentence_longer_than_the_budget_comes_back_alone_and_whole():
    assert summarize(STORY, 3, max_words=5, focus=mentions_ceasefire) == [SENTENCES[4]]


def test_summary_that_already_shows_the_term_is_unchanged():
    def mentions_geneva(sentence: str) -> bool:
        return "Geneva" in sentence

    plain = summarize(STORY, 4)
    assert any(map(mentions_geneva, plain))
    assert summarize(STORY, 4, focus=mentions_geneva) == plain


def test_focus_that_no_sentence_satisfies_changes_nothing():
    assert summarize(STORY, 3, focus=lambda sentence: False) == summarize(STORY, 3)


def test_focus_asks_about_each_sentence_at_most_once():
    asked: list[str] = []

    def spy(sentence: str) -> bool:
        asked.append(sentence)
        return mentions_ceasefire(sentence)

    rank(STORY).pick(3, focus=spy)
    assert len(asked) == len(set(asked))
    assert SENTENCES[6] not in asked  # it stops at the first, best-ranked, match


def test_focus_works_with_every_method_that_ranks_differently():
    summary = summarize(STORY, 2, method="lexrank", focus=mentions_ceasefire)
    assert len(summary) == 2
    assert any(map(mentions_ceasefire, summary))


def test_focus_on_a_real_story_brings_in_the_envoys_name(seed_texts):
    clean, _page = seed_texts

    def mentions_witkoff(sentence: str) -> bool:
        return "Witkoff" in sentence

    plain = summarize(clean, 3)
    focused = summarize(clean, 3, focus=mentions_witkoff)
    assert not any(map(mentions_witkoff, plain))
    assert focused[:2] == plain[:2]
    assert mentions_witkoff(focused[2])


@pytest.mark.parametrize(
    ("count", "budget", "focus"),
    [(3, None, None), (2, 40, None), (3, None, mentions_ceasefire), (4, 60, mentions_ceasefire)],
)
def test_one_ranking_picks_what_summarize_gives(seed_texts, count, budget, focus):
    for text in (STORY, seed_texts[0]):
        ranking = rank(text)
        assert ranking.pick(count, max_words=budget, focus=focus) == summarize(
            text, count, max_words=budget, focus=focus
        )


def test_ranking_orders_every_sentence_once():
    ranking = rank(STORY)
    assert ranking.sentences == tuple(SENTENCES)
    assert sorted(ranking.order) == list(range(len(SENTENCES)))


def test_ranking_of_a_blank_text_picks_nothing():
    assert rank("  \n ").pick(3, focus=mentions_ceasefire) == []


@pytest.mark.parametrize(("count", "budget"), [(0, None), (3, 0)])
def test_pick_rejects_a_count_or_budget_below_one(count, budget):
    with pytest.raises(SummarizerError):
        rank(STORY).pick(count, max_words=budget)


def test_a_paragraph_cut_after_its_first_sentence_can_still_be_the_focused_one():
    # A short paragraph without final punctuation reads like a sub-heading, which summaries
    # avoid; one that ends a sentence and starts another is prose whose end was cut.
    text = (
        STORY + "\n\n"
        "Lagat settled for silver behind El Guerrouj in Athens, clocking 3:35.27 in Birmingham. And"
    )
    summary = summarize(text, 3, focus=lambda sentence: "Lagat" in sentence)
    assert any("Lagat" in sentence for sentence in summary)


def test_a_sub_heading_is_still_never_the_focused_sentence():
    text = STORY + "\n\nWhat Lagat said next\n\nThe talks ended without a date for the next round."
    summary = summarize(text, 3, focus=lambda sentence: "Lagat" in sentence)
    assert not any("Lagat" in sentence for sentence in summary)
