"""Feed parsing on real feeds from ../shared/data/feeds, including the broken ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.parse import FeedParseError, WebPageNotFeed, canonical_url, parse_feed

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
    with pytest.raises(WebPageNotFeed, match="this is a web page, not a feed"):
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


# --- what a feed says about how often to poll it, and where it pushes -----------------------


def test_rss_ttl_is_given_in_seconds(shared_dir: Path) -> None:
    assert parse_feed(feed(shared_dir, "latin2.rss")).ttl_seconds == 1800 * 60


def test_syndication_update_period_is_given_in_seconds(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "rss_2.0_wirecutter.xml"))
    assert parsed.update_period_seconds == 3600


@pytest.mark.parametrize(
    ("period", "frequency", "seconds"),
    [("hourly", "2", 1800), ("daily", None, 86400), (None, "4", 21600), ("fortnightly", "1", None)],
)
def test_update_frequency_divides_the_update_period(
    period: str | None, frequency: str | None, seconds: int | None
) -> None:
    sy = (f"<sy:updatePeriod>{period}</sy:updatePeriod>" if period else "") + (
        f"<sy:updateFrequency>{frequency}</sy:updateFrequency>" if frequency else ""
    )
    doc = (
        "<rss version='2.0' xmlns:sy='http://purl.org/rss/1.0/modules/syndication/'>"
        f"<channel><title>t</title>{sy}<item><title>x</title></item></channel></rss>"
    )
    assert parse_feed(doc.encode()).update_period_seconds == seconds


def test_a_feedburner_feed_names_its_websub_hub_and_topic(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "encoding.rss"))
    assert parsed.hub_url == "http://pubsubhubbub.appspot.com/"
    assert parsed.self_url == "http://feeds.jn.pt/JN-ULTIMAS"


def test_a_relative_self_link_resolves_against_the_feed_url() -> None:
    doc = (
        b"<feed xmlns='http://www.w3.org/2005/Atom'><title>t</title>"
        b"<link rel='hub' href='https://hub.example/'/><link rel='self' href='/atom.xml'/>"
        b"<entry><title>x</title><id>1</id></entry></feed>"
    )
    parsed = parse_feed(doc, url="https://blog.example/feeds/atom")
    assert (parsed.hub_url, parsed.self_url) == (
        "https://hub.example/",
        "https://blog.example/atom.xml",
    )


def test_a_feed_without_hints_has_none(shared_dir: Path) -> None:
    parsed = parse_feed(feed(shared_dir, "guardian.rss"))
    assert (parsed.ttl_seconds, parsed.update_period_seconds, parsed.hub_url) == (None,) * 3


# --- documents that are not feeds say what they are -----------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"", None, "the document is empty"),
        (b"  \n\t ", "application/rss+xml", "the document is empty"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image/png", r"this is an image \(PNG\), not a feed"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", None, r"this is an image \(JPEG\), not a feed"),
        (b"RIFF\0\0\0\0WEBPVP8 ", None, r"this is an image \(WebP\), not a feed"),
        (b"%PDF-1.7\n%\xe2\xe3", "application/pdf", "this is a PDF document, not a feed"),
        (b"\x1f\x8b\x08\0\0\0\0\0", None, "this is gzip-compressed data, not a feed"),
        (b"ID3\x04\0\0\0\0\0\x00", "audio/mpeg", "this is audio/mpeg, not a feed"),
        (b"just some words", "text/plain", "not a readable feed"),
    ],
)
def test_other_non_feeds_get_their_own_message(
    body: bytes, content_type: str | None, message: str
) -> None:
    with pytest.raises(FeedParseError, match=message):
        parse_feed(body, content_type=content_type)
