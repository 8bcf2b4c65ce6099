"""Feed parsing on real feeds from ../shared/data/feeds, including the broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.parse import FeedParseError, canonical_url, parse_feed

FEED_FILES = sorted(
    p
    for p in (Path(__file__).resolve().parents[3] / "shared" / "data" / "feeds").rglob("*")
    if p.is_file() and p.suffix in {".xml", ".rss", ".atom", ".rdf"}
)


def feed(shared_dir: Path, name: str) -> bytes:
    return next((shared_dir / "data" / "feeds").rglob(name)).read_bytes()


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_every_real_feed_parses_or_is_refused_cleanly(path: Path) -> None:
    try:
        parsed = parse_feed(path.read_bytes(), url="https://example.com/feed")
    except FeedParseError as exc:
        assert str(exc)
    else:
        assert all(e.guid and e.title is not None for e in parsed.entries)


def test_there_are_real_feeds_to_test(shared_dir: Path) -> None:
    assert len(FEED_FILES) >= 30


def test_wrong_encoding_feed_still_yields_its_entries(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "uolNoticias.rss"))
    assert len(parsed.entries) == 15
    assert parsed.warning and "CharacterEncodingOverride" in parsed.warning
    assert any("ã" in e.title or "ç" in e.title or "é" in e.title for e in parsed.entries)


def test_truncated_feed_is_refused(shared_dir: Path) -> None:
    with pytest.raises(FeedParseError, match="not a readable feed"):
        parse_feed(feed(shared_dir, "rss_2.0_invalid_1.xml"))


def test_html_page_at_a_feed_url_is_refused(shared_dir: Path) -> None:
    with pytest.raises(FeedParseError):
        parse_feed(feed(shared_dir, "unrecognized.rss"))


def test_relative_links_resolve_against_the_feed_url(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "atom_relative.xml"), url="https://blog.example/feed.xml")
    assert parsed.entries[0].url.startswith("https://blog.example/")


def test_markup_in_titles_becomes_plain_text(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "entry_title_inline_markup.xml"))
    assert parsed.entries[0].title == "Example Atom"


def test_large_real_feed_yields_all_items_with_dates(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "guardian.rss"))
    assert len(parsed.entries) == 55
    assert all(e.published is not None and e.published.tzinfo for e in parsed.entries)


def test_entry_without_link_or_id_gets_a_stable_guid() -> None:
    doc = (
        b"<rss version='2.0'><channel><title>t</title>"
        b"<item><title>No link here</title></item></channel></rss>"
    )
    first = parse_feed(doc).entries[0].guid
    assert first.startswith("sha256:") and first == parse_feed(doc).entries[0].guid


def test_canonical_url_drops_tracking_parameters_and_fragment() -> None:
    url = "HTTPS://News.Example/a/b?id=7&utm_source=rss&utm_medium=x#top"
    assert canonical_url(url) == "https://news.example/a/b?id=7"
