"""A story read for matching: stems in order, hyphenated compounds both ways, pairs and hosts."""

from __future__ import annotations

from bot.match import Document
from bot.match.story import Field, Story
from bot.match.text import stemmer_for


def test_a_field_is_its_stems_in_order_with_compounds_spliced_in() -> None:
    stemmer = stemmer_for("en")
    text = "Both sides agreed a cease-fire; talks on the peace-plan resumed."
    for _ in range(2):  # the second read finds every plain word in the stemmer's memo
        field = Field(text, stemmer)
        assert field.sequence == [
            "both", "side", "agre", "a", "ceas", "fire", "talk", "on", "the", "peac", "plan",
            "resum",
        ]  # fmt: skip
        assert field.compounds == [("ceasefir", 4, 5), ("peaceplan", 9, 10)]
        assert {"ceasefir", "peaceplan", "ceas", "fire"} <= field.stems


def test_pairs_include_a_compound_with_its_neighbours() -> None:
    field = Field("a cease-fire holds", stemmer_for("en"))
    assert {("a", "ceas"), ("ceas", "fire"), ("fire", "hold"), ("a", "ceasefir")} <= field.pairs
    assert ("ceasefir", "hold") in field.pairs


def test_a_story_knows_the_sites_its_sources_are_on() -> None:
    story = Story(Document("", "", urls=("https://news.bbc.co.uk/1", "not a url")))
    assert story.host_suffixes() == {"news.bbc.co.uk", "bbc.co.uk", "co.uk", "uk"}
    assert story.from_site("bbc.co.uk")
    assert not story.from_site("c.co.uk")
