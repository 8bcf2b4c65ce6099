"""One query evaluated directly on one story: words, phrases, OR, exclusions, intitle:, site:."""

from __future__ import annotations

import pytest

from bot.match import Document, matches, parse_query


def found(query: str, doc: Document) -> bool:
    return matches(parse_query(query), doc) is not None


def story(text: str, title: str = "", **fields: object) -> Document:
    return Document(title, text, **fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "query", ["ceasefire", '"peace plan"', "Zelenskyy", "Witkoff OR Kushner", "Ukraine -Olympics"]
)
def test_seed_queries_match_the_clean_article(query: str, article: Document) -> None:
    assert found(query, article)


def test_ukraine_minus_miami_does_not_match_the_seed_story(article: Document) -> None:
    assert not found("Ukraine -Miami", article)


def test_exclusion_sees_the_olympic_teaser_on_the_page(page: Document) -> None:
    assert found("Ukraine", page)
    assert not found("Ukraine -Olympics", page)


def test_ceasefire_finds_cease_fire() -> None:
    assert found("ceasefire", story("Both sides agreed to a cease-fire on Sunday."))


def test_ceasefire_finds_plural_and_capitalized() -> None:
    assert found("ceasefire", story("Ceasefires rarely hold."))
    assert found("ceasefire", story("CEASEFIRE NOW, say protesters."))
    assert found("ceasefire", story("Cease-fires rarely hold."))


def test_cease_fire_query_finds_ceasefire_and_two_words() -> None:
    assert found("cease-fire", story("A ceasefire was agreed."))
    assert found("cease-fire", story("They called for a cease fire."))
    assert not found("cease-fire", story("Cease your fire only when told."))


def test_kyiv_finds_accented() -> None:
    assert found("kyiv", story("Talks in Kyïv resumed."))
    assert found("Kyïv", story("Talks in Kyiv resumed."))


def test_case_folding_covers_german_sharp_s() -> None:
    assert found("strasse", story("Die Straße war gesperrt.", language="de"))


def test_exact_phrase_requires_adjacent_words(article: Document) -> None:
    assert found('"peace plan"', story("The peace plan was leaked."))
    assert not found('"peace plan"', story("Peace is the plan."))
    assert not found('"plan peace"', story("The peace plan was leaked."))


def test_phrase_matches_inflected_words(article: Document) -> None:
    assert found('"peace plans"', article)
    assert found('"Zelenskyy said"', article)


def test_phrase_does_not_run_from_title_into_text() -> None:
    assert not found('"miami ceasefire"', story("Ceasefire talks go on.", title="Talks in Miami"))


def test_or_matches_either() -> None:
    query = "Witkoff OR Kushner"
    assert found(query, story("Steve Witkoff flew in."))
    assert found(query, story("Jared Kushner flew in."))
    assert not found(query, story("Marco Rubio flew in."))


def test_exclusion_blocks_match() -> None:
    assert found("ukraine -olympics", story("Ukraine talks continue."))
    assert not found("ukraine -olympics", story("Ukraine sends a team to the Olympics."))


def test_excluded_phrase_blocks_only_the_phrase() -> None:
    query = 'ukraine -"winter games"'
    assert found(query, story("Ukraine: games in winter are cancelled."))
    assert not found(query, story("Ukraine at the Winter Games."))


def test_parentheses_group() -> None:
    query = "ukraine (truce OR ceasefire)"
    assert found(query, story("A truce in Ukraine."))
    assert found(query, story("A ceasefire in Ukraine."))
    assert not found(query, story("Ukraine talks."))
    assert not found(query, story("A truce elsewhere."))


def test_intitle_only_matches_title() -> None:
    assert found("intitle:ceasefire", story("Talks go on.", title="Ceasefire holds"))
    assert not found("intitle:ceasefire", story("The ceasefire holds.", title="Talks go on"))
    assert found('intitle:"peace talks"', story("", title="Ukraine peace talks resume"))


def test_site_matches_source_host() -> None:
    bbc = story("Ukraine talks.", urls=("https://www.bbc.co.uk/news/world-1",))
    other = story("Ukraine talks.", urls=("https://notbbc.co.uk/ukraine",))
    assert found("ukraine site:bbc.co.uk", bbc)
    assert found("site:www.bbc.co.uk", bbc)
    assert not found("ukraine site:bbc.co.uk", other)
    assert not found("ukraine site:bbc.co.uk", story("Ukraine talks."))


def test_match_reports_terms_found_and_where(article: Document) -> None:
    match = matches(parse_query('Ukraine (Witkoff OR Rubio OR Vance) "peace plan"'), article)
    assert match is not None
    assert match.key == 'Ukraine (Witkoff OR Rubio OR Vance) "peace plan"'
    assert dict(zip(match.terms, match.where, strict=True)) == {
        "Ukraine": "title",
        "Witkoff": "text",
        "Rubio": "text",
        "peace plan": "text",
    }


def test_german_stemming_when_story_is_german() -> None:
    text = "Die Verhandlungen über eine Waffenruhe wurden in Berlin fortgesetzt."
    assert found("Verhandlung", story(text, language="de"))
    assert not found("Verhandlung", story(text, language="en"))


def test_unknown_language_is_matched_without_stemming() -> None:
    text = "Переговори щодо припинення вогню тривають."
    assert found("переговори", story(text, language="uk"))
    assert not found("переговор", story(text, language="uk"))
