"""What users type: numbers, times of day, time zones and query options, read strictly.

Every refusal is a `ChatError` whose message goes straight back to the user, so each says what
was wrong and shows an example; echoes of user text are cut short, since four thousand typed
characters must never make a reply exceed Telegram's limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import available_timezones

from bot.errors import ChatError

__all__ = [
    "OPTIONS_HELP",
    "Options",
    "number",
    "parse_clock",
    "parse_timezone",
    "split_options",
]


def _shown(text: str, limit: int) -> str:
    """User text quoted in a refusal, cut short."""
    return text if len(text) <= limit else text[:limit] + "…"


def number(text: str, digits: int = 9) -> int | None:
    """`text` as a small whole number, or None. Only ASCII digits: `"²".isdigit()` is true,
    and a thousand-digit number would overflow a database column."""
    text = text.strip()
    if not text or len(text) > digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


@dataclass(frozen=True)
class Options:
    """What may follow a query: `--min-sources 2`, `--daily`, `--weekly`, `--instant`."""

    min_sources: int = 1
    frequency: str = "instant"

    def describe(self) -> str:
        parts = []
        if self.frequency != "instant":
            parts.append(f"at most {'once a day' if self.frequency == 'daily' else 'once a week'}")
        if self.min_sources > 1:
            parts.append(f"once {self.min_sources} outlets carry the story")
        return "; ".join(parts)


OPTIONS_HELP = "Options: --min-sources N (1-10), --daily, --weekly, --instant"


def split_options(text: str) -> tuple[str, Options]:
    """The query with its `--options` taken out (a query's own exclusions use a single `-`)."""
    words = text.split()
    kept: list[str] = []
    min_sources, frequency = 1, "instant"
    i = 0
    while i < len(words):
        word = words[i].lower()
        if not word.startswith("--"):
            kept.append(words[i])
        elif word in {"--daily", "--weekly", "--instant"}:
            frequency = word[2:]
        elif word.startswith("--min-sources"):
            value = word.partition("=")[2]
            if not value and i + 1 < len(words):
                i += 1
                value = words[i]
            count = number(value, 2)
            if count is None or not 1 <= count <= 10:
                raise ChatError(f"--min-sources takes a number from 1 to 10. {OPTIONS_HELP}")
            min_sources = count
        else:
            raise ChatError(f"Unknown option {_shown(words[i], 20)}. {OPTIONS_HELP}")
        i += 1
    return " ".join(kept), Options(min_sources, frequency)


def parse_timezone(text: str) -> str:
    """An IANA name (`Europe/Kyiv`) or a UTC offset (`+2`, `UTC-05:30`) as a zone name."""
    value = text.strip()
    candidate = value.upper().removeprefix("UTC").removeprefix("GMT").strip()
    if candidate and candidate[0] in "+-":
        sign = 1 if candidate[0] == "+" else -1
        hours, _, minutes = candidate[1:].partition(":")
        h, m = number(hours, 2), number(minutes or "0", 2)
        # Zones on Earth run from UTC-12 to UTC+14.
        if h is not None and m == 0 and h <= (14 if sign > 0 else 12):
            # IANA's Etc/GMT zones count the other way round: Etc/GMT-2 is UTC+2.
            return "UTC" if h == 0 else f"Etc/GMT{'-' if sign > 0 else '+'}{h}"
        raise ChatError(
            f"{_shown(value, 20)!r} is not a whole-hour UTC offset from -12 to +14; "
            "try +2 or an IANA name"
        )
    if value.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    if value not in _zone_names():
        raise ChatError(
            f"Unknown time zone {_shown(value, 40)!r}. "
            "Use an IANA name like Europe/Berlin or an offset like +2."
        )
    return value


@lru_cache(maxsize=1)
def _zone_names() -> frozenset[str]:
    """The IANA names zoneinfo knows (a name, not a folder of them such as "America")."""
    return frozenset(available_timezones())


def parse_clock(text: str, example: str = "/digesttime 07:30") -> str:
    """`7:30`, `07:30` → "07:30"; anything else is a ChatError with an example."""
    value = text.strip()
    hours, sep, minutes = value.partition(":")
    h, m = number(hours, 2), number(minutes, 2)
    if not sep or h is None or m is None or len(minutes) != 2:
        raise ChatError(f"{_shown(value, 20)!r} is not a time; use HH:MM, for example {example}")
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ChatError(f"{_shown(value, 20)!r} is not a time of day; use 00:00 to 23:59")
    return f"{h:02d}:{m:02d}"
