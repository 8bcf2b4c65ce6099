"""When a digest is due: the chat's wall clock, in its own time zone, daylight saving included."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import next_digest_at


def test_next_digest_is_later_today_in_the_chats_zone() -> None:
    now = datetime(2025, 12, 21, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    assert next_digest_at(now, "Europe/Berlin", "08:00") == datetime(2025, 12, 21, 7, 0, tzinfo=UTC)


def test_next_digest_is_tomorrow_once_today_has_passed() -> None:
    now = datetime(2025, 12, 21, 7, 0, tzinfo=UTC)  # exactly 08:00 in Berlin: that one is done
    assert next_digest_at(now, "Europe/Berlin", "08:00") == datetime(2025, 12, 22, 7, 0, tzinfo=UTC)


def test_digest_time_follows_daylight_saving() -> None:
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # Berlin switches to CEST on 29 March
    assert next_digest_at(before, "Europe/Berlin", "08:00") == datetime(
        2026, 3, 29, 6, 0, tzinfo=UTC
    )


def test_zones_east_of_utc_can_be_on_the_next_day() -> None:
    now = datetime(2025, 12, 21, 22, 0, tzinfo=UTC)  # 07:00 on 22 Dec in Tokyo
    assert next_digest_at(now, "Asia/Tokyo", "08:00") == datetime(2025, 12, 21, 23, 0, tzinfo=UTC)
