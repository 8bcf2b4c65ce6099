"""Per-host politeness: at most N requests at once to one host, and a minimum spacing between
the starts of two requests to it, whatever the number of feeds a site has.

Hand-written because it is a dozen lines over asyncio: a semaphore per host, and a "next start"
time per host that each request reserves before it waits, so requests queued together are
spread out rather than released at once. Time is a collaborator (`Timer`), so tests move it
instead of sleeping.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["HostGate", "SystemTimer", "Timer"]

PRUNE_ABOVE = 512  # hosts remembered before idle ones are forgotten


class Timer(Protocol):
    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait that long on the same clock."""
        ...


class SystemTimer:
    """The real clock and asyncio's sleep."""

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class _Host:
    slots: asyncio.Semaphore
    next_start: float = float("-inf")
    users: int = field(default=0)


class HostGate:
    """`async with gate.turn("news.example"): ...` around every request to a host."""

    def __init__(
        self, per_host: int = 2, interval: float = 1.0, timer: Timer | None = None
    ) -> None:
        if per_host < 1 or interval < 0:
            raise ValueError("per_host must be at least 1 and interval not negative")
        self.per_host = per_host
        self.interval = interval
        self._timer: Timer = timer or SystemTimer()
        self._hosts: dict[str, _Host] = {}

    @asynccontextmanager
    async def turn(self, host: str) -> AsyncIterator[None]:
        """Hold one of the host's slots, starting no sooner than `interval` after the previous
        request to it started."""
        key = host.lower()
        state = self._hosts.get(key)
        if state is None:
            state = self._hosts[key] = _Host(asyncio.Semaphore(self.per_host))
        state.users += 1
        try:
            async with state.slots:
                now = self._timer.monotonic()
                start = max(now, state.next_start)
                state.next_start = start + self.interval
                if start > now:
                    await self._timer.sleep(start - now)
                yield
        finally:
            state.users -= 1
            if len(self._hosts) > PRUNE_ABOVE:
                self._prune()

    def _prune(self) -> None:
        """Forget hosts nobody is using whose spacing has run out: they hold no constraint."""
        now = self._timer.monotonic()
        for key in [k for k, s in self._hosts.items() if not s.users and s.next_start <= now]:
            del self._hosts[key]
