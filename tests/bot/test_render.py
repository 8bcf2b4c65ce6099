"""Rendering: Telegram HTML that is always escaped and never over the 4096-character limit."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.render import (
    MAX_MESSAGE,
    AlertView,
    DigestItem,
    emphasize,
    render_alert,
    render_digest,
    with_sources,
)


def alert(**kw: object) -> AlertView:
    base: dict[str, object] = {
        "story_id": 1,
        "title": "Talks <b>continue</b> & more",
        "url": "https://news.example/a?x=1&y=2",
        "summary": ["A ceasefire was agreed.", "Fighting stopped at dawn."],
        "sources": ["Euronews", "Daily <Guardian>"],
        "query": "ceasefire",
        "terms": ["ceasefire"],
        "where": ["text"],
        "highlights": [[(2, 11)], []],
        "subscription_id": 7,
    }
    base.update(kw)
    return AlertView(**base)  # type: ignore[arg-type]


def test_alert_escapes_title_sources_and_link() -> None:
    text = render_alert(alert()).text
    assert "Talks &lt;b&gt;continue&lt;/b&gt; &amp; more" in text
    assert 'href="https://news.example/a?x=1&amp;y=2"' in text
    assert "Daily &lt;Guardian&gt;" in text


def test_alert_emphasizes_matched_terms_and_says_why() -> None:
    text = render_alert(alert()).text
    assert "A <b>ceasefire</b> was agreed." in text
    assert "matched ceasefire in text" in text


def test_alert_offers_mute_and_stop_buttons_for_its_query() -> None:
    buttons = render_alert(alert()).buttons
    assert [data for row in buttons for _, data in row] == ["mute:7:1d", "mute:7:7d", "unsub:7"]


def test_alert_from_a_known_feed_offers_to_mute_that_source() -> None:
    buttons = render_alert(alert(feed_id=3)).buttons
    assert ("🙈 Mute this source", "msrc:3:7d") in [b for row in buttons for b in row]


def test_with_sources_rewrites_only_the_reported_by_line() -> None:
    text = render_alert(alert()).text
    updated = with_sources(text, ["Euronews", "Daily <Guardian>", "AP"])
    assert "📰 Euronews, Daily &lt;Guardian&gt;, AP" in updated
    assert [line for line in updated.splitlines() if not line.startswith("📰")] == [
        line for line in text.splitlines() if not line.startswith("📰")
    ]


def test_alert_with_an_enormous_summary_stays_under_the_limit() -> None:
    huge = ["word " * 3000, "more " * 3000]
    assert len(render_alert(alert(summary=huge, highlights=[])).text) <= MAX_MESSAGE


def test_non_http_links_are_not_rendered_as_anchors() -> None:
    text = render_alert(alert(url="javascript:alert(1)")).text
    assert "href" not in text


def test_emphasize_merges_overlapping_spans_and_escapes() -> None:
    assert emphasize("a <x> b", [(0, 3), (2, 5)]) == "<b>a &lt;x&gt;</b> b"


def test_digest_is_split_between_items_never_inside_one() -> None:
    items = [
        DigestItem(f"Story {i}", f"https://n.example/{i}", ["Sentence. " * 40], ["Outlet"])
        for i in range(40)
    ]
    messages = render_digest([("Your alerts", items)], when=datetime(2025, 12, 22, 8, tzinfo=UTC))
    assert len(messages) > 1
    assert all(len(m.text) <= MAX_MESSAGE for m in messages)
    joined = "\n\n".join(m.text for m in messages)
    for i in range(40):
        assert joined.count(f'{i + 1}. <a href="https://n.example/{i}">Story {i}</a>') == 1


def test_empty_digest_says_so() -> None:
    messages = render_digest([("Your alerts", [])], when=datetime(2025, 12, 22, tzinfo=UTC))
    assert len(messages) == 1 and "Nothing new" in messages[0].text
