"""What is left to test after the anchor, as small programs run over a story."""

from __future__ import annotations

import pytest

from bot.match import Document, parse_query
from bot.match.check import program, run
from bot.match.plan import Compiler
from bot.match.story import Story
from bot.match.text import stemmer_for

STORY = Story(
    Document(
        "Ceasefire holds in Gaza",
        "Talks on a peace plan went on in Cairo.",
        urls=("https://www.bbc.co.uk/news/1",),
    )
)


def passes(text: str) -> bool:
    compiler = Compiler(stemmer_for("en"))
    return run(program(parse_query(text).root, compiler.info), STORY)


@pytest.mark.parametrize(
    "text",
    [
        "talks",
        "intitle:ceasefire",
        '"peace plan"',
        "site:bbc.co.uk",
        "talks -olympics",
        "cairo OR olympics",
        "talks (cairo OR olympics) -tokyo",
        'talks -"plan peace"',
    ],
)
def test_a_program_passes_what_the_story_has(text: str) -> None:
    assert passes(text)


@pytest.mark.parametrize(
    "text",
    [
        "olympics",
        "intitle:talks",
        '"plan peace"',
        "site:cnn.com",
        "cairo -talks",
        "tokyo OR olympics",
    ],
)
def test_a_program_fails_what_the_story_lacks(text: str) -> None:
    assert not passes(text)


def test_an_or_of_plain_words_is_one_set_test() -> None:
    compiler = Compiler(stemmer_for("en"))
    op, stems = program(parse_query("cairo OR olympics OR tokyo").root, compiler.info)
    assert stems == ("cairo", "olymp", "tokyo")
    assert program(parse_query("cairo").root, compiler.info)[0] != op
