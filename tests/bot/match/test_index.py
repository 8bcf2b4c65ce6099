"""Matching many queries at once through the index: the same answers as one query at a time."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.match import (
    Document,
    Match,
    MatchIndex,
    Query,
    QueryError,
    QueryIndex,
    QueryMatch,
    matches,
    parse_query,
)
from bot.match.query import Not


def story(text: str, title: str = "", **fields: object) -> Document:
    return Document(title, text, **fields)  # type: ignore[arg-type]


def indexed(texts: list[str]) -> tuple[list[Query], MatchIndex]:
    """The texts that parse, as queries keyed by position, and an index holding them."""
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
    return queries, index


def per_key(found: list[QueryMatch]) -> list[Match]:
    """The index's matches one per key, in key order (the keys of these tests are sortable)."""
    flat = [Match(key, m.terms, m.where) for m in found for key in m.keys]
    return sorted(flat, key=lambda m: m.key)  # type: ignore[arg-type,return-value]


def test_index_finds_every_matching_key(article: Document) -> None:
    index = MatchIndex()
    for key, query in enumerate(["Ukraine -Miami", "ceasefire", "olympics", '"peace plan"']):
        index.add(key, parse_query(query))
    assert [m.key for m in per_key(index.match(article))] == [1, 3]
    assert len(index) == 4


def test_index_reports_each_subscriber_of_the_same_query(article: Document) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("ceasefire"))
    index.add("bob", parse_query("ceasefire"))
    index.remove("alice")
    assert index.match(article) == [QueryMatch(("bob",), "ceasefire", ("ceasefire",), ("text",))]


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
    assert [m.keys for m in index.match(german)] == [("alice",)]


def test_index_matches_site_only_queries() -> None:
    index = MatchIndex()
    index.add("bbc", parse_query("site:bbc.co.uk"))
    bbc = story("Anything.", urls=("https://news.bbc.co.uk/1",))
    assert index.match(bbc) == [QueryMatch(("bbc",), "site:bbc.co.uk", (), ())]
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
    queries, index = indexed(texts)
    others = [
        story("A cease-fire in Kyïv; peace-plan talks said to go on.", title="Ukraine war"),
        story("Die Friedensgespräche über die Ukraine.", title="Waffenruhe", language="de"),
    ]
    for doc in (article, page, *others):
        direct = [matches(q, doc) for q in queries]
        expected = [Match(key, m.terms, m.where) for key, m in enumerate(direct) if m is not None]
        assert per_key(index.match(doc)) == expected


def test_subscribers_of_one_query_share_one_match_in_subscription_order(article: Document) -> None:
    index = MatchIndex()
    for key in ("carol", "alice", "bob"):
        index.add(key, parse_query("ceasefire"))
    index.add("dave", parse_query("Ceasefire"))  # typed differently: a query of its own
    found = sorted(index.match(article), key=lambda m: m.query)
    assert found == [
        QueryMatch(("dave",), "Ceasefire", ("Ceasefire",), ("text",)),
        QueryMatch(("carol", "alice", "bob"), "ceasefire", ("ceasefire",), ("text",)),
    ]


def test_a_key_that_subscribes_again_goes_last(article: Document) -> None:
    index = MatchIndex()
    for key in ("alice", "bob", "carol"):
        index.add(key, parse_query("ceasefire"))
    index.add("alice", parse_query("ceasefire"))
    assert [m.keys for m in index.match(article)] == [("bob", "carol", "alice")]


def test_a_popular_query_keeps_every_subscriber_in_order(article: Document) -> None:
    index = MatchIndex()
    for key in range(100):
        index.add(key, parse_query("ceasefire"))
    for key in range(0, 100, 3):
        index.remove(key)
    assert [m.keys for m in index.match(article)] == [tuple(k for k in range(100) if k % 3)]


def test_a_query_without_a_word_to_look_for_is_refused_and_changes_nothing(
    article: Document,
) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("ceasefire"))
    with pytest.raises(ValueError, match="nothing positive"):
        index.add("alice", Query("-olympics", Not(parse_query("olympics").root)))
    assert [m.keys for m in index.match(article)] == [("alice",)]


def snapshot(index: MatchIndex) -> dict[str, object]:
    """Everything the index holds, by content: keys, distinct queries, and per language every
    anchor with the queries filed under it (a leak would show as a leftover anchor or query)."""
    queries = index._queries
    tables = {
        language: {
            kind: {
                anchor: sorted(
                    queries.source(number)
                    for number in ([bucket] if isinstance(bucket, int) else bucket)
                )
                for anchor, bucket in getattr(table, kind).items()
            }
            for kind in ("by_stem", "by_pair", "by_host")
        }
        for language, table in queries._tables.items()
    }
    held = [source for _number, source in queries._texts.items()]
    return {
        "keys": {key: queries.source(number) for key, number in index._number_of.items()},
        "subscribers": {source: list(index.keys_of(source)) for source in held},
        "tables": tables,
        "terms": {  # each stemmed term with the number of plans using it
            language: sorted(
                (repr(term), info.users) for term, info in table.compiler._infos.items()
            )
            for language, table in queries._tables.items()
        },
    }


operations = st.lists(
    st.tuples(st.booleans(), st.integers(0, 5), query_text), min_size=1, max_size=25
)


@settings(max_examples=100, deadline=None)
@given(ops=operations)
def test_add_and_remove_leave_the_index_as_if_built_from_what_remains(
    ops: list[tuple[bool, int, str]], article: Document
) -> None:
    """Subscribing and unsubscribing in any order ends as an index built from the survivors."""
    german = story("Die Friedensgespräche über die Ukraine.", title="Waffenruhe", language="de")
    index = MatchIndex()
    index.match(german)  # a second language table, kept up to date from here on
    remaining: dict[int, str] = {}
    for add, key, text in ops:
        try:
            query = parse_query(text)
        except QueryError:
            continue
        if add:
            index.add(key, query)
            remaining[key] = text
            remaining[key] = remaining.pop(key)  # a key that subscribes again goes last
        else:
            index.remove(key)
            remaining.pop(key, None)
    rebuilt = MatchIndex()
    rebuilt.match(german)
    for key, text in remaining.items():
        rebuilt.add(key, parse_query(text))
    assert snapshot(index) == snapshot(rebuilt)
    for doc in (article, german):
        assert per_key(index.match(doc)) == per_key(rebuilt.match(doc))


def test_a_query_matched_through_its_site_alone_reports_no_terms() -> None:
    index = MatchIndex()
    index.add("bbc", parse_query("site:bbc.co.uk OR ceasefire"))
    bbc = story("Nothing of the kind.", urls=("https://www.bbc.co.uk/news/1",))
    assert index.match(bbc) == [QueryMatch(("bbc",), "site:bbc.co.uk OR ceasefire", (), ())]


story_text = st.lists(word, max_size=12).map(" ".join)
stories = st.builds(
    story,
    story_text,
    title=story_text,
    urls=st.sampled_from([(), ("https://www.euronews.com/x",), ("https://news.bbc.co.uk/y",)]),
)


@settings(max_examples=150, deadline=None)
@given(texts=st.lists(query_text, min_size=1, max_size=12), docs=st.lists(stories, max_size=4))
def test_index_agrees_with_direct_evaluation_on_made_up_stories(
    texts: list[str], docs: list[Document]
) -> None:
    """Short stories of the queries' own words, so that every way of matching comes up."""
    queries, index = indexed(texts)
    for doc in docs:
        direct = [matches(q, doc) for q in queries]
        expected = [Match(key, m.terms, m.where) for key, m in enumerate(direct) if m is not None]
        assert per_key(index.match(doc)) == expected


def test_a_text_held_already_is_the_same_query() -> None:
    queries = QueryIndex()
    first = queries.add(parse_query("ceasefire"))
    assert queries.add(parse_query("ceasefire")) == first
    assert (len(queries), queries.number("ceasefire"), queries.source(first)) == (
        1,
        first,
        "ceasefire",
    )


def test_a_query_added_by_its_text_is_the_one_parse_query_gives(article: Document) -> None:
    queries = QueryIndex()
    number = queries.add_text("  ceasefire -olympics ", max_length=200, max_terms=20)
    assert queries.add(parse_query("ceasefire -olympics")) == number
    assert queries.add_text("ceasefire -olympics", max_length=200, max_terms=20) == number
    assert [query for _, query, _, _ in queries.match(article)] == ["ceasefire -olympics"]
    queries.remove(number)  # its tree, parsed again from the text, finds where it was filed
    assert queries.match(article) == []


def test_a_text_parse_query_refuses_is_refused_with_its_message() -> None:
    queries = QueryIndex()
    with pytest.raises(QueryError, match="too many terms"):
        queries.add_text("a b c", max_length=200, max_terms=2)
    assert len(queries) == 0


def test_a_removed_query_gives_its_number_to_the_next_new_one(article: Document) -> None:
    queries = QueryIndex()
    gone = queries.add(parse_query("ceasefire"))
    kept = queries.add(parse_query("olympics"))
    queries.remove(gone)
    assert queries.number("ceasefire") is None
    assert queries.add(parse_query('"peace plan"')) == gone
    found = [(number, query) for number, query, _, _ in queries.match(article)]
    assert found == [(gone, '"peace plan"')]
    assert queries.number("olympics") == kept


def test_a_query_removed_and_added_again_matches_again(article: Document) -> None:
    queries = QueryIndex()
    for _ in range(3):
        number = queries.add(parse_query("ceasefire -olympics"))
        assert [query for _, query, _, _ in queries.match(article)] == ["ceasefire -olympics"]
        queries.remove(number)
        assert queries.match(article) == []


def test_removing_every_query_leaves_no_plan_or_term_behind(article: Document) -> None:
    """Plans live in columns by number and terms are counted: both must be let go."""
    queries = QueryIndex()
    german = story("Die Friedensgespräche über die Ukraine.", title="Waffenruhe", language="de")
    texts = ["ceasefire", "ceasefire -olympics", 'ukraine "peace plan"', "a (b OR c) -(d e)"]
    numbers = [queries.add(parse_query(text)) for text in [*texts, "site:bbc.co.uk OR intitle:x"]]
    queries.match(german)  # a second table, built from the queries' texts parsed again
    queries.remove(numbers.pop(0))  # a bucket of two ("ceasefire") back to one
    assert sorted(query for _, query, _, _ in queries.match(article)) == [
        "ceasefire -olympics",
        'ukraine "peace plan"',
    ]
    for number in numbers:
        queries.remove(number)
    for table in queries._tables.values():
        assert (table.by_stem, table.by_pair, table.by_host, table.compiler._infos) == ({},) * 4
        assert set(table.flags) == {0}
        assert set(table.test) == set(table.report) == {None}
    assert len(queries) == 0


def test_a_hand_built_query_keeps_its_meaning_though_its_text_says_another(
    article: Document,
) -> None:
    """Only the text of a query is kept, unless parsing it would not give its tree back."""
    queries = QueryIndex()
    number = queries.add(Query("olympics winter", parse_query("ceasefire").root))
    german = story("Die Waffenruhe hält.", language="de", title="Ceasefire")
    assert [query for _, query, _, _ in queries.match(article)] == ["olympics winter"]
    assert [query for _, query, _, _ in queries.match(german)] == ["olympics winter"]
    queries.remove(number)
    assert [(t.by_stem, t.compiler._infos) for t in queries._tables.values()] == [({}, {})] * 2


def test_a_text_held_with_another_meaning_is_refused(article: Document) -> None:
    index = MatchIndex()
    index.add("alice", parse_query("ceasefire"))
    with pytest.raises(ValueError, match="another meaning"):
        index.add("bob", Query("ceasefire", parse_query("olympics").root))
    assert index.match(article) == [QueryMatch(("alice",), "ceasefire", ("ceasefire",), ("text",))]
