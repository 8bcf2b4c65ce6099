"""Stories the matching tests share: the seed story as its two outlets published it."""

from __future__ import annotations

import pytest

from bot.match import Document

SEED_TITLE = "US and Russian officials continue Ukraine peace talks for second day in Miami"


@pytest.fixture(scope="session")
def article(seed_texts: tuple[str, str]) -> Document:
    """The clean seed article, with the headline its other outlet gave it."""
    return Document(SEED_TITLE, seed_texts[0], urls=("https://www.euronews.com/2025/12/21/x",))


@pytest.fixture(scope="session")
def page(seed_texts: tuple[str, str]) -> Document:
    """The other outlet's page, furniture and all (it teases an Olympic story)."""
    return Document(SEED_TITLE, seed_texts[1])
