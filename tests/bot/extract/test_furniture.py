"""clean_text: furniture removed from text flattened from a whole page (the seed page)."""

from __future__ import annotations

import re

import nupunkt
import pytest

from bot.extract import clean_text


def sentences(text: str) -> list[str]:
    return [s for p in text.split("\n") if p.strip() for s in nupunkt.sent_tokenize(p.strip())]


def words(sentence: str) -> tuple[str, ...]:
    return tuple(re.findall(r"\w+", sentence.lower()))


def weighted_sentence_f1(predicted: str, reference: str) -> float:
    """Sentence-level F1, each sentence weighted by its word count.

    Weighting keeps the measure about the article: the seed's "clean" reference itself ends
    in page furniture ("Share.", "Exit mobile version") that must not be rewarded.
    """
    pred = {words(s) for s in sentences(predicted)} - {()}
    ref = {words(s) for s in sentences(reference)} - {()}
    hit = sum(len(s) for s in pred & ref)
    precision = hit / sum(len(s) for s in pred)
    recall = hit / sum(len(s) for s in ref)
    return 2 * precision * recall / (precision + recall)


# --- the seed page: plain text with furniture -------------------------------------------------


def test_seed_page_cleans_to_the_article(seed_texts: tuple[str, str]) -> None:
    article, page_text = seed_texts
    assert weighted_sentence_f1(clean_text(page_text), article) >= 0.95


def test_seed_page_keeps_every_prose_sentence_of_the_article(
    seed_texts: tuple[str, str],
) -> None:
    article, page_text = seed_texts
    cleaned = {words(s) for s in sentences(clean_text(page_text))}
    prose = [s for s in sentences(article) if len(words(s)) >= 8]
    assert len(prose) >= 15
    assert all(words(s) in cleaned for s in prose)


def test_seed_page_keeps_subheadings_inside_the_article(seed_texts: tuple[str, str]) -> None:
    cleaned = clean_text(seed_texts[1])
    assert "Zelenskyy: ‘It must not be a rhetorical or political game’" in cleaned
    assert "Ukrainian, EU and American partners met on Friday" in cleaned.split("\n\n")


@pytest.mark.parametrize(
    "furniture",
    [
        "Keep Reading",
        "Editors Picks",
        "Close Menu",
        "Facebook X (Twitter) Instagram",
        "What's On",
        "Layoffs loom at the British Council",  # a "What's On" teaser headline
        "February 14, 2026",
        "Subscribe to News",
        "Get the latest Europe and world news",
        "Latest News",
        "All Rights Reserved",
        "Privacy Policy",
        "Share. Facebook Twitter",
        "Press Esc to cancel",
    ],
)
def test_seed_page_furniture_is_gone(seed_texts: tuple[str, str], furniture: str) -> None:
    assert furniture in seed_texts[1]
    assert furniture not in clean_text(seed_texts[1])


def test_seed_page_menu_lines_are_gone(seed_texts: tuple[str, str]) -> None:
    lines = set(clean_text(seed_texts[1]).split("\n\n"))
    assert not lines & {"Home", "Europe", "World", "Politics", "Newsletter", "Web Stories"}


def test_clean_text_of_clean_text_changes_nothing(seed_texts: tuple[str, str]) -> None:
    once = clean_text(seed_texts[1])
    assert clean_text(once) == once


def test_clean_text_keeps_a_short_feed_teaser() -> None:
    teaser = "Ukraine and Russia continue peace talks in Miami"
    assert clean_text(teaser) == teaser


def test_clean_text_drops_menu_items_when_there_is_no_prose() -> None:
    assert clean_text("Home\nWorld\nSport\nClose Menu") == ""


def test_numbered_gallery_captions_are_furniture() -> None:
    article = (
        "The harbour authority closed the northern pier on Monday after divers found cracks.\n"
        "Ferries to the islands will leave from the southern terminal until the repairs end."
    )
    gallery = "\n".join(
        f"- {k}/40 Story {k} Another company reported its results for the quarter today."
        for k in range(1, 6)
    )
    assert clean_text(f"{article}\nBusiness in pictures\n{gallery}") == article.replace(
        "\n", "\n\n"
    )


def test_a_lone_fraction_is_not_a_gallery() -> None:
    text = (
        "3/4 of the members voted for the new rules at the meeting in the town hall on Monday.\n"
        "The rules take effect next month and apply to every club in the regional league."
    )
    assert clean_text(text) == text.replace("\n", "\n\n")
