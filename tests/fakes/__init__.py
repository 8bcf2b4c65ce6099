"""Fakes that speak the real protocols, so tests exercise the real clients (STYLE habit 9),
and the few shared values every test may use."""

from datetime import UTC, datetime

__all__ = ["NOW"]

#: The moment the tests live in (the afternoon the bundled sample stories were published);
#: clocks start here and move only when a test moves them.
NOW = datetime(2025, 12, 21, 15, 0, tzinfo=UTC)
