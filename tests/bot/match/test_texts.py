"""The query texts of an index: each text under its number, and the number of each text."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.match.texts import Texts


def test_a_text_is_found_by_its_number_and_its_number_by_the_text() -> None:
    texts = Texts()
    texts.add(0, "ceasefire")
    texts.add(1, "Kyïv OR Київ")
    assert (texts[0], texts[1]) == ("ceasefire", "Kyïv OR Київ")
    assert (texts.number("ceasefire"), texts.number("Kyïv OR Київ")) == (0, 1)
    assert texts.number("ceasefir") is None
    assert texts[2] is None


def test_a_removed_text_is_gone_and_its_number_can_hold_another() -> None:
    texts = Texts()
    texts.add(0, "glacier")
    texts.remove(0)
    assert (texts[0], texts.number("glacier"), len(texts)) == (None, None, 0)
    texts.add(0, "avalanche")
    assert (texts[0], texts.number("avalanche")) == ("avalanche", 0)


def test_removing_a_number_that_holds_nothing_is_an_error() -> None:
    with pytest.raises(KeyError):
        Texts().remove(3)


def test_many_texts_added_and_removed_stay_findable_through_growth_and_compaction() -> None:
    every = {number: f"query {number} {'é' * (number % 3)}" for number in range(100_000)}
    texts = Texts()
    for number, text in every.items():
        texts.add(number, text)
    removed = random.Random(7).sample(range(100_000), 80_000)
    for number in removed:  # the buffer is rewritten on the way
        texts.remove(number)
    gone = set(removed)
    held = {number: text for number, text in every.items() if number not in gone}
    assert dict(texts.items()) == held
    assert all(texts.number(text) == number for number, text in held.items())
    assert all(texts.number(every[number]) is None for number in removed)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.text(max_size=6)), max_size=60))
def test_any_sequence_of_adds_and_removes_agrees_with_a_dict(ops: list[tuple[bool, str]]) -> None:
    texts, held, free = Texts(), {}, list[int]()
    for add, text in ops:
        number = texts.number(text)
        if add and number is None:
            number = free.pop() if free else len(held) + len(free)
            texts.add(number, text)
            held[text] = number
        elif not add and number is not None:
            texts.remove(number)
            free.append(held.pop(text))
    assert {text: texts.number(text) for text in held} == held
    assert dict(texts.items()) == {number: text for text, number in held.items()}
    assert len(texts) == len(held)
