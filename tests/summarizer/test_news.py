"""The default method: the lead, minus fragments and page furniture."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from summarizer import split_sentences, summarize

LEAD = (
    "The central bank raised its main interest rate by half a point on Thursday morning. "
    "Inflation has stayed above the bank's target of two percent for three years in a row. "
    "Markets fell sharply after the announcement, with bank shares leading the losses. "
    "The governor said further rises could follow if prices kept climbing this winter."
)
LEAD_SENTENCES = split_sentences(LEAD)


@pytest.fixture(scope="module")
def held_out_story(shared_dir: Path) -> str:
    """A CNN story from cnndm_test_frank (a set the default was not fitted on) that opens
    with hooks: "(CNN)Living under ISIS. Selling Girl Scout cookies. ..."."""
    path = shared_dir / "data" / "summarization" / "cnndm_test_frank" / "cnndm_test_frank.jsonl"
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            if row["id"] == "cnn-test-456721af78bb6da0bf90c8a420ce3ca63d0d4001":
                return str(row["text"])
    raise AssertionError("the held-out example is missing from cnndm_test_frank")


def test_held_out_story_is_summarized_from_its_first_sentences_of_eight_words_or_more(
    held_out_story,
):
    sentences = split_sentences(held_out_story, "en")
    long_enough = [s for s in sentences if len(s.split()) >= 8]
    lead = summarize(held_out_story, 3, method="lead")
    assert lead == sentences[:3]  # Lead-3 shows the hooks
    assert "(CNN)Living under ISIS." in lead
    assert summarize(held_out_story, 3) == long_enough[:3]


def test_default_is_lead_k_when_every_lead_sentence_carries_news(seed_texts):
    clean, _page = seed_texts
    assert summarize(clean, 3) == summarize(clean, 3, method="lead")


@pytest.mark.parametrize(
    "furniture",
    [
        "Share this withEmailFacebookMessengerTwitterWhatsAppLinkedinCopy this link to the story.",
        "Media playback is not supported on this device, so the match highlights cannot be shown.",
        "Scroll down for video of the moment the rescue team reached the stranded climbers today.",
        "Sign up for our daily newsletter to get the latest business news in your inbox.",
        "Read more: How the central bank decided on the size of its latest interest rate rise.",
        "• Follow us on Twitter and Facebook for the latest updates on this developing story.",
        "Lesen Sie auch: Warum die Verhandlungen in Berlin schon zweimal gescheitert sind.",
    ],
)
def test_page_furniture_at_the_top_is_skipped(furniture):
    text = f"{furniture}\n{LEAD}"
    assert summarize(text, 3) == LEAD_SENTENCES[:3]


@pytest.mark.parametrize(
    "news",
    [
        "Share prices fell by a fifth on Monday after the bank reported a loss of two billion.",
        "Photographs released by the police show the suspects leaving the building at night.",
        "Reading the statement aloud, the mayor said the bridge would stay closed until May.",
    ],
)
def test_news_that_starts_like_furniture_is_kept(news):
    assert summarize(f"{news} {LEAD}", 2) == [news, LEAD_SENTENCES[0]]


def test_fragments_are_used_when_the_text_has_nothing_else():
    text = "Breaking news. More soon. Stay with us."
    assert summarize(text, 2) == ["Breaking news.", "More soon."]


def test_a_fragment_fills_a_summary_after_every_longer_sentence():
    text = f"Markets are closed. {LEAD}"
    assert summarize(text, 5) == split_sentences(text)
