"""Time as a collaborator: every stage asks a clock, so tests move time instead of sleeping;
and a chat's local time (when its digest is due, whether it is in its quiet hours)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

__all__ = [
    "Clock",
    "FrozenClock",
    "SystemClock",
    "in_quiet_hours",
    "next_digest_at",
    "utcnow",
]


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utcnow()


@dataclass
class FrozenClock:
    """A clock that only moves when told to: for tests and for replaying a day in the demo."""

    current: datetime = field(default_factory=utcnow)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current += timedelta(**delta)
        return self.current

    def set(self, when: datetime) -> None:
        self.current = when


# --- a chat's local time ---------------------------------------------------------------------
# Digests come at a local wall-clock time and quiet hours are a local window: both are pure
# arithmetic over an IANA zone, shared by the digest and alert stages and the chat settings.


def next_digest_at(after: datetime, timezone: str, hhmm: str) -> datetime:
    """The first moment strictly after `after` when the chat's wall clock shows `hhmm` (UTC).

    Daylight-saving gaps and folds resolve as zoneinfo does (a nonexistent 02:30 becomes 03:30).
    """
    zone = ZoneInfo(timezone)
    hour, minute = (int(part) for part in hhmm.split(":"))
    local = after.astimezone(zone)
    candidate = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
    while candidate.astimezone(UTC) <= after:
        candidate = datetime.combine(
            candidate.date() + timedelta(days=1), time(hour, minute), tzinfo=zone
        )
    return candidate.astimezone(UTC)


def in_quiet_hours(now: datetime, timezone: str, start: str | None, end: str | None) -> bool:
    """Is `now` inside the local window `start`-`end` ("22:00"-"07:00" runs past midnight)?"""
    if not start or not end:
        return False
    local = now.astimezone(ZoneInfo(timezone)).strftime("%H:%M")
    return start <= local < end if start < end else (local >= start or local < end)
