"""The starter catalog: well-formed, off by default, chosen by language or country, and a feed
of it that fails at start is reported, never fatal."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bot.catalog import catalog_feeds, load_catalog, select_entries
from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.services import Services
from bot.settings import ConfigError, Settings, SourceSettings
from tests.fakes import NOW
from tests.fakes.feeds import FeedServer, Route, make_feed

CATALOG = Path(__file__).resolve().parents[2] / "config" / "catalog.toml"


def test_the_catalog_lists_at_least_fifty_outlets_once_each() -> None:
    entries = load_catalog(CATALOG)
    assert len(entries) >= 50
    assert len({e.url for e in entries}) == len(entries)
    assert len({e.name for e in entries}) == len(entries)
    assert all(urlsplit(e.url).scheme == "https" and urlsplit(e.url).netloc for e in entries)
    assert len({e.language for e in entries}) >= 10 and len({e.country for e in entries}) >= 20


def test_the_default_settings_point_at_the_bundled_catalog() -> None:
    assert Settings().sources.catalog == CATALOG


def test_entries_are_chosen_by_language_or_country() -> None:
    entries = load_catalog(CATALOG)
    japanese = select_entries(entries, languages=["JA"])
    assert japanese and {e.language for e in japanese} == {"ja"}
    either = select_entries(entries, languages=["it"], countries=["de"])
    assert {e.language for e in either if e.country != "DE"} == {"it"}
    assert any(e.country == "DE" and e.language == "en" for e in either)


def test_the_catalog_is_off_by_default_and_not_even_read(tmp_path: Path) -> None:
    absent = Settings(sources=SourceSettings(catalog=tmp_path / "missing.toml"))
    assert catalog_feeds(absent) == []
    chosen = Settings(sources=SourceSettings(catalog_countries=["NZ"], catalog_interval=1800))
    assert [(f.name, f.interval) for f in catalog_feeds(chosen)] == [("RNZ — National", 1800)]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            "[[feeds]]\nname = 'X'\nurl = 'ftp://x'\nlanguage = 'en'\ncountry = 'GB'\n"
            "topics = ['a']",
            "malformed",
        ),
        ("[[feeds]\n", "not valid TOML"),
    ],
)
def test_a_broken_catalog_is_a_configuration_error(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "catalog.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=problem):
        catalog_feeds(Settings(sources=SourceSettings(catalog=path, catalog_languages=["en"])))


async def test_catalog_feeds_that_fail_at_start_are_reported_not_fatal(
    database_url: str,
    feed_server: FeedServer,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    live = feed_server.route("/live.xml", Route(make_feed([], title="Live")))
    dead = feed_server.url("/moved.xml")
    catalog = tmp_path / "catalog.toml"
    catalog.write_text(
        "".join(
            f"[[feeds]]\nname = '{name}'\nurl = '{url}'\nlanguage = 'en'\ncountry = 'GB'\n"
            "topics = ['general']\n"
            for name, url in (("Live", live), ("Moved", dead))
        ),
        encoding="utf-8",
    )
    sources = SourceSettings(catalog=catalog, catalog_languages=["en"])
    settings = Settings(database_url=database_url, data_dir=tmp_path, sources=sources)
    services = Services.build(settings, ConsoleChannel(), clock=FrozenClock(NOW))
    try:
        with caplog.at_level(logging.INFO, logger="bot.services"):
            reports = await services.poll_due()
            await services.poll_due()
    finally:
        await services.aclose()
    assert sorted(r.outcome for r in reports) == ["failed", "unchanged"]
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.services"]
    assert "first poll: 1 feeds read, 1 failed" in lines
    assert any("(Moved) failed at start: HTTP 404" in line for line in lines)
    assert sum("first poll" in line for line in lines) == 1
