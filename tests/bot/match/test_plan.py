"""Queries compiled for the index: their anchors, and only the tests the anchor leaves open."""

from __future__ import annotations

import pytest

from bot.match import parse_query
from bot.match.plan import Compiler, Plan
from bot.match.text import stemmer_for


def compiled(text: str) -> tuple[Plan, frozenset[object]]:
    query = parse_query(text)
    plan, (keys, hosts) = Compiler(stemmer_for("en")).compile(query.source, query.root)
    return plan, keys | hosts


def test_a_one_word_query_is_settled_by_its_anchor() -> None:
    plan, anchor = compiled("ceasefire")
    assert anchor == {"ceasefir"}
    assert (plan.need, plan.avoid, plan.check) == ((), (), None)


def test_a_two_word_phrase_is_anchored_on_its_pair_and_settled_by_it() -> None:
    plan, anchor = compiled('"prime minister"')
    assert anchor == {("prime", "minist")}
    assert (plan.need, plan.check) == ((), None)


def test_two_words_are_anchored_on_the_longer_and_need_the_other() -> None:
    plan, anchor = compiled("ukraine ceasefire")
    assert anchor == {"ceasefir"}
    assert (plan.need, plan.check) == ("ukrain", None)


def test_stop_words_make_no_anchor() -> None:
    _, anchor = compiled("the ukraine")
    assert anchor == {"ukrain"}


def test_either_word_anchors_an_or_query_and_proves_it() -> None:
    plan, anchor = compiled("witkoff OR kushner")
    assert anchor == {"witkoff", "kushner"}
    assert plan.check is None


def test_an_excluded_word_is_a_set_test() -> None:
    plan, _ = compiled("ukraine -olympics")
    assert (plan.avoid, plan.check) == ("olymp", None)


@pytest.mark.parametrize(
    "text", ["intitle:ceasefire", 'ukraine "peace plan talks"', "ukraine (truce OR ceasefire)"]
)
def test_what_the_anchor_cannot_prove_is_checked(text: str) -> None:
    plan, _ = compiled(text)
    assert plan.check is not None


def test_a_site_alone_is_anchored_on_its_host() -> None:
    plan, anchor = compiled("site:bbc.co.uk")
    assert anchor == {"bbc.co.uk"}
    assert (plan.check, plan.report) == (None, ())


def test_the_anchor_is_computed_again_the_same() -> None:
    compiler = Compiler(stemmer_for("en"))
    for text in ["ceasefire", 'a (b OR c) -d "peace plan"', "x OR site:cnn.com", "cease-fire"]:
        query = parse_query(text)
        assert compiler.compile(query.source, query.root)[1] == compiler.anchor_of(
            query.source, query.root
        )
