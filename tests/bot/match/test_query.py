"""The alert query language: what parses into what, and what is refused with which message."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.match import Query, QueryError, parse_query
from bot.match.query import AllOf, AnyOf, Not, Site, Term


def example_in(message: str) -> str:
    """The example query a rejection message offers (everything after "e.g.:")."""
    found = re.search(r"e\.g\.(?: write)?: (.+)$", message)
    assert found, f"no example in {message!r}"
    return found.group(1)


def rejection(text: str, **limits: int) -> str:
    with pytest.raises(QueryError) as error:
        parse_query(text, **limits)
    return str(error.value)


def test_empty_query_is_rejected_with_example() -> None:
    message = rejection("   ")
    assert "empty" in message
    parse_query(example_in(message))


def test_only_exclusions_rejected() -> None:
    message = rejection("-olympics -miami")
    assert "only excludes" in message
    parse_query(example_in(message))


def test_exclusion_as_an_alternative_rejected() -> None:
    message = rejection("ukraine OR -olympics")
    assert "exclusions alone" in message
    parse_query(example_in(message))


def test_unbalanced_quote_rejected() -> None:
    message = rejection('"peace plan ukraine')
    assert "quotation mark" in message
    parse_query(example_in(message))


@pytest.mark.parametrize("text", ["ukraine (truce OR ceasefire", "ukraine truce) ceasefire"])
def test_unbalanced_parentheses_rejected(text: str) -> None:
    message = rejection(text)
    assert "parenthesis" in message
    parse_query(example_in(message))


def test_overlong_query_rejected() -> None:
    message = rejection("ceasefire " * 30)
    assert "too long (299 characters, at most 200)" in message
    parse_query(example_in(message))


def test_max_length_is_a_parameter() -> None:
    assert parse_query("ceasefire " * 30, max_length=400, max_terms=40)
    assert "at most 5" in rejection("ceasefire", max_length=5)


def test_too_many_terms_rejected() -> None:
    message = rejection(" ".join(f"w{i}" for i in range(21)))
    assert "too many terms (21, at most 20)" in message
    parse_query(example_in(message))


@pytest.mark.parametrize("text", ["OR kushner", "witkoff OR", "witkoff OR OR kushner"])
def test_dangling_or_rejected(text: str) -> None:
    assert "OR needs a term on both sides" in rejection(text)


@pytest.mark.parametrize(
    "text",
    ["ukraine ()", "intitle:", "site:", "site:not_a_host!", '""', "a " + "(" * 9 + "b" + ")" * 9],
)
def test_malformed_parts_rejected_with_a_valid_example(text: str) -> None:
    parse_query(example_in(rejection(text)))


def test_describe_echoes_understanding() -> None:
    query = parse_query('Ceasefire "peace plan" -Olympics')
    assert query.describe() == 'all of: ceasefire · the phrase "peace plan" · not: olympics'


def test_describe_shows_alternatives_title_and_site() -> None:
    query = parse_query("intitle:ukraine (truce OR ceasefire) site:bbc.co.uk")
    assert query.describe() == (
        "all of: ukraine in the title · (truce or ceasefire) · from bbc.co.uk"
    )
    assert parse_query("witkoff OR kushner").describe() == "any of: witkoff · kushner"


def test_or_binds_tighter_than_implicit_and() -> None:
    root = parse_query("a b OR c").root
    assert isinstance(root, AllOf)
    first, second = root.children
    assert isinstance(first, Term) and first.text == "a"
    assert isinstance(second, AnyOf)
    assert [c.text for c in second.children if isinstance(c, Term)] == ["b", "c"]


def test_parentheses_group_an_alternative_of_all_of() -> None:
    root = parse_query("(a b) OR c").root
    assert isinstance(root, AnyOf)
    assert isinstance(root.children[0], AllOf)


def test_lowercase_or_is_an_ordinary_word() -> None:
    assert parse_query("witkoff or kushner").terms() == ("witkoff", "or", "kushner")


def test_terms_lists_positive_terms_only() -> None:
    query = parse_query('ukraine (truce OR "peace plan") -olympics -"winter games" site:bbc.co.uk')
    assert query.terms() == ("ukraine", "truce", "peace plan")


def test_phone_quotes_and_dashes_are_understood() -> None:
    query = parse_query("“peace plan” –olympics")
    phrase, excluded = query.root.children  # type: ignore[union-attr]
    assert isinstance(phrase, Term) and phrase.phrase and phrase.text == "peace plan"
    assert isinstance(excluded, Not)


def test_hyphenated_word_may_appear_joined_or_split() -> None:
    term = parse_query("Cease-fire").root
    assert isinstance(term, Term)
    assert term.groups == ((("ceasefire",), ("cease", "fire")),)


def test_words_are_folded_but_shown_as_typed() -> None:
    term = parse_query("Kyïv").root
    assert isinstance(term, Term)
    assert term.groups == ((("kyiv",),),)
    assert term.text == "Kyïv"


def test_site_is_reduced_to_its_host() -> None:
    root = parse_query("ukraine site:https://www.BBC.co.uk/news/world").root
    assert isinstance(root, AllOf)
    assert root.children[1] == Site("www.bbc.co.uk")


def test_site_alone_is_a_valid_query() -> None:
    assert parse_query("site:bbc.co.uk").root == Site("bbc.co.uk")


def test_punctuation_only_words_are_ignored() -> None:
    assert parse_query("ceasefire !!! ,").terms() == ("ceasefire",)
    assert "no words" in rejection("!!! ???")


def test_query_keeps_its_source() -> None:
    assert parse_query("  ceasefire  ").source == "ceasefire"


SOUP = ["ukraine", "OR", "AND", "-", "(", ")", '"', "“", "intitle:", "site:", "site:x.y", "-x"]
SOUP += ["peace plan", "Kyïv", "cease-fire", "|", "—", "!!!", "a" * 30, "intitle:(", "«"]
query_soup = st.lists(
    st.sampled_from(SOUP),
    max_size=30,
).map(lambda parts: " ".join(parts))


@given(st.one_of(st.text(max_size=300), query_soup))
def test_parse_query_returns_a_query_or_raises_query_error(text: str) -> None:
    try:
        query = parse_query(text)
    except QueryError as error:
        assert str(error)
    else:
        assert isinstance(query, Query)
        assert query.describe()
