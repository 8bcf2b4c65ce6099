"""Entries made ready for storing: a search feed's entry is credited to its own outlet."""

from __future__ import annotations

from bot.entries import EntryReader, Origin
from bot.fetch import Fetcher
from bot.parse import FeedEntry
from bot.settings import PollSettings, Settings
from tests.fakes import NOW

NO_PAGES = Settings(poll=PollSettings(fetch_pages=False))


def entry(source: str | None, author: str | None) -> FeedEntry:
    return FeedEntry(
        "g", "https://x.example/1", "Title", "<p>Text.</p>", "", NOW, author, None, source
    )


async def test_a_search_feeds_entry_names_its_outlet_then_its_author() -> None:
    reader = EntryReader(Fetcher(), NO_PAGES)
    search = Origin(search=True)
    assert (await reader.prepare(entry("Reuters", "Jane"), "en", search)).outlet == "Reuters"
    assert (await reader.prepare(entry(None, "Le Monde"), "en", search)).outlet == "Le Monde"
    assert (await reader.prepare(entry(None, None), "en", search)).outlet is None
    assert (await reader.prepare(entry("Reuters", "Jane"), "en", Origin())).outlet is None
    await reader.fetcher.aclose()


async def test_a_short_entry_keeps_its_feeds_language_and_a_long_one_is_read() -> None:
    """The feed's tag (`de-DE`) stands for a teaser too short to tell; a full text decides."""
    reader = EntryReader(Fetcher(), NO_PAGES)
    short = FeedEntry("g", "https://x.example/1", "Titel", "<p>Kurz.</p>", "", NOW)
    english = "<p>" + "The council approved the budget on Friday after a long debate. " * 3 + "</p>"
    long = FeedEntry("h", "https://x.example/2", "Budget", english, "", NOW)
    assert (await reader.prepare(short, "de-DE")).language == "de"
    assert (await reader.prepare(long, "de-DE")).language == "en"
