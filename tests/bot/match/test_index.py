"""Matching stories against queries: directly, through the index, and highlighting what matched."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import bot.match
from bot.match import (
    Document,
    Match,
    MatchIndex,
    QueryError,
    highlight_spans,
    matches,
    parse_query,
)

SEED_TITLE = "US and Russian officials continue Ukraine peace talks for second day in Miami"


@pytest.fixture(scope="module")
def article(seed_texts: tuple[str, str]) -> Document:
    """The clean seed article, with the headline its other outlet gave it."""
    return Document(SEED_TITLE, seed_texts[0], urls=("https://www.euronews.com/2025/12/21/x",))


@pytest.fixture(scope="module")
def page(seed_texts: tuple[str, str]) -> Document:
    """The other outlet's page, furniture and all (it teases an Olympic story)."""
    return Document(SEED_TITLE, seed_texts[1])


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


def test_index_finds_every_matching_key_in_subscription_order(article: Document) -> None:
    index = MatchIndex()
    for key, query in enumerate(["Ukraine -Miami", "ceasefire", "olympics", '"peace plan"']):
        index.add(key, parse_query(query))
    assert [m.key for m in index.match(article)] == [1, 3]
    assert len(index) == 4


def test_index_reports_each_subscriber_of_the_same_query(article: Document) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("ceasefire"))
    index.add("bob", parse_query("ceasefire"))
    index.remove("alice")
    assert index.match(article) == [Match("bob", ("ceasefire",), ("text",))]


def test_index_remove_forgets_query_and_tolerates_unknown_keys(article: Document) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("ceasefire"))
    index.remove("alice")
    index.remove("nobody")
    assert index.match(article) == []
    assert len(index) == 0


def test_index_add_replaces_the_keys_query(article: Document) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("olympics"))
    index.add("alice", parse_query("ceasefire"))
    assert [m.terms for m in index.match(article)] == [("ceasefire",)]
    assert len(index) == 1


def test_index_matches_stories_in_a_language_it_was_not_built_for() -> None:
    index = MatchIndex(languages=("en",))
    index.add("alice", parse_query("Verhandlung"))
    german = story("Die Verhandlungen wurden fortgesetzt.", language="de")
    assert [m.key for m in index.match(german)] == ["alice"]


def test_index_matches_site_only_queries() -> None:
    index = MatchIndex()
    index.add("bbc", parse_query("site:bbc.co.uk"))
    bbc = story("Anything.", urls=("https://news.bbc.co.uk/1",))
    assert index.match(bbc) == [Match("bbc", (), ())]
    assert index.match(story("Anything.")) == []


WORDS = ["ceasefire", "Ukraine", "peace", "plan", "Miami", "Olympics", "Kushner", "talks"]
WORDS += ["Witkoff", "war", "cease-fire", "Kyiv", "Zelenskyy", "Russia", "banana", "said"]
word = st.sampled_from(WORDS)
atom = st.one_of(
    word,
    st.tuples(word, word).map(lambda pair: f'"{pair[0]} {pair[1]}"'),
    word.map(lambda w: f"intitle:{w}"),
    st.sampled_from(["site:euronews.com", "site:bbc.co.uk"]),
)
unary = st.tuples(st.booleans(), atom).map(lambda t: ("-" if t[0] else "") + t[1])
alternatives = st.lists(unary, min_size=2, max_size=3).map(lambda xs: "(" + " OR ".join(xs) + ")")
query_text = st.lists(st.one_of(unary, alternatives), min_size=1, max_size=4).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(query_text, min_size=1, max_size=12))
def test_index_agrees_with_direct_evaluation(
    texts: list[str], article: Document, page: Document
) -> None:
    queries = []
    for text in texts:
        try:
            queries.append(parse_query(text))
        except QueryError:
            continue
    assume(queries)
    index = MatchIndex()
    for key, query in enumerate(queries):
        index.add(key, query)
    others = [
        story("A cease-fire in Kyïv; peace-plan talks said to go on.", title="Ukraine war"),
        story("Die Friedensgespräche über die Ukraine.", title="Waffenruhe", language="de"),
    ]
    for doc in (article, page, *others):
        direct = [matches(q, doc) for q in queries]
        expected = [Match(key, m.terms, m.where) for key, m in enumerate(direct) if m is not None]
        assert index.match(doc) == expected


def test_highlight_spans_cover_inflected_forms() -> None:
    text = "A Cease-fire was agreed; ceasefires elsewhere held, and the CEASEFIRE holds."
    spans = highlight_spans(text, ["ceasefire"])
    assert [text[a:b] for a, b in spans] == ["Cease-fire", "ceasefires", "CEASEFIRE"]


def test_highlight_spans_cover_phrases_and_accents(seed_texts: tuple[str, str]) -> None:
    clean = seed_texts[0]
    spans = highlight_spans(clean, ["peace plan", "kyïv"])
    assert [clean[a:b] for a, b in spans] == ["peace plan", "peace plan", "Kyiv", "Kyiv"]


def test_highlight_spans_merge_overlaps_and_skip_absent_terms() -> None:
    text = "The peace plan talks."
    assert highlight_spans(text, ["peace plan", "plan talks", "olympics"]) == [(4, 20)]


def test_public_names_are_listed() -> None:
    assert sorted(bot.match.__all__) == [
        "Document",
        "Match",
        "MatchIndex",
        "Query",
        "QueryError",
        "highlight_spans",
        "matches",
        "parse_query",
    ]
