"""One pacing layer for everything the bot sends: Telegram's flood limits as shared buckets.

Telegram allows about 30 messages a second overall, one a second to a private chat and 20 a
minute to a group; going over earns a 429 with ``retry_after``. Every call that puts a message
in a chat (a command's reply, a button's follow-up, an edit, an alert, a digest) goes through
the same `Pacer`, hooked into python-telegram-bot as its rate limiter (`PacedRateLimiter`), so
replies and the outbox draw on one budget:

- each chat has a lane: its messages leave one at a time, in order, spaced by the chat's
  interval (never a burst, which keeps a group inside "1 a second" and "20 a minute" alike);
- the overall rate is a bucket of depth one that serves the most urgent waiter first: a reply
  to what a user just did goes ahead of queued alerts and digests;
- and, whatever the network does to their timing, never more messages within a second than
  Telegram allows, counting each from its request to its answer (`_Window`);
- a 429 pauses only the chat it names. A reply waits the pause out and tries again (a bounded
  number of times); a bulk send is refused at once, and the outbox reschedules it.

PTB's own ``AIORateLimiter`` is not used: it does not pace private chats, has no priorities,
and one 429 halts every chat. The buckets are hand-written rather than aiolimiter's because a
sender must be able to wait until a chat is ready without spending its turn (`wait_ready`:
the outbox takes its one in-flight slot only then), and aiolimiter has no such call.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import heapq
import itertools
import logging
import time
import warnings
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

__all__ = ["PacedRateLimiter", "Pacer", "Pacing", "Paused", "Priority", "retry_after_seconds"]

log = logging.getLogger(__name__)
T = TypeVar("T")
_MAX_LANES = 4096
# Bot API methods that put or change a message in a chat: what Telegram's limits count.
_SENDING = ("send", "edit", "copyMessage", "forwardMessage")
_NOT_A_MESSAGE = frozenset({"sendChatAction"})


class Priority(IntEnum):
    """Who waits for the overall budget first (never 0: PTB drops falsy ``rate_limit_args``)."""

    REPLY = 1  # an answer to what a user just did
    BULK = 2  # alerts, digests, notices: the outbox


class Paused(RetryAfter):
    """A bulk send to a chat that flood control has paused: refused without asking Telegram."""


@dataclass(frozen=True)
class Pacing:
    """Telegram's broadcast limits: overall per second, per private chat, per group.

    `headroom` paces that fraction below each limit, so the jitter of the network never lands
    two messages inside one of Telegram's windows (0.03 keeps 97% of the rate).
    """

    overall_per_second: float = 30
    private_per_second: float = 1
    group_per_minute: float = 20
    headroom: float = 0.0

    def __post_init__(self) -> None:
        for name in ("overall_per_second", "private_per_second", "group_per_minute"):
            if getattr(self, name) <= 0:
                raise ValueError(f"Pacing.{name} must be positive, got {getattr(self, name)!r}")
        if not 0 <= self.headroom < 0.5:
            raise ValueError(f"Pacing.headroom must be in [0, 0.5), got {self.headroom!r}")

    def interval(self, chat_id: int | str) -> float:
        """Seconds between two messages to one chat; private chats are the positive ids
        (a "@name" is a channel or a group)."""
        private = isinstance(chat_id, int) and chat_id > 0
        seconds = 1 / self.private_per_second if private else 60 / self.group_per_minute
        return seconds / (1 - self.headroom)

    @property
    def overall_interval(self) -> float:
        return 1 / (self.overall_per_second * (1 - self.headroom))

    @property
    def tolerance(self) -> float:
        """How early an overall slot may be used, to absorb a late event loop: a quarter of
        the interval. Over any one second the schedule then allows at most
        floor((1 + tolerance) / interval) + 1 sends: 30 at 30/s with 3% headroom, with the
        rest of the headroom (about 22 ms a second) left for the network's jitter."""
        return self.overall_interval / 4


class _PriorityBucket:
    """Hands out one send every `interval` seconds, the most urgent waiter first (first come,
    first served within a priority). Hand-written because aiolimiter has no priorities.

    The slots follow a schedule (GCRA: each send moves the theoretical time of the next one on
    by `interval` from where it was, not from when the send happened), and a send may go up to
    `tolerance` before its slot. A loaded event loop wakes the waiter a few milliseconds late;
    counted from the late wake-up, every interval grew by that much (30/s fell to 25/s on a
    busy machine), while from the schedule the late send only eats into the tolerance. The
    tolerance bounds any window of W seconds to floor((W + tolerance) / interval) + 1 sends,
    so it stays below one interval's worth of the headroom (see `Pacing.tolerance`).
    """

    def __init__(self, interval: float, tolerance: float = 0.0) -> None:
        self._interval = interval
        self._tolerance = tolerance
        self._next = 0.0  # loop time of the next slot on the schedule
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._timer: asyncio.TimerHandle | None = None
        # Seconds by which waiters were served after their slot: the rate a late event loop
        # cost (a process that keeps up loses next to none).
        self.late_seconds = 0.0

    def _may_go(self, now: float) -> bool:
        return now >= self._next - self._tolerance

    def _take(self, now: float) -> None:
        self._next = max(self._next, now) + self._interval

    def has_capacity(self) -> bool:
        return not self._waiters and self._may_go(asyncio.get_running_loop().time())

    async def acquire(self, priority: Priority) -> None:
        loop = asyncio.get_running_loop()
        if not self._waiters and self._may_go(loop.time()):
            self._take(loop.time())
            return
        turn: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._order), turn))
        self._schedule(loop)
        await turn  # a cancelled waiter is skipped when its turn comes

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._timer is None:
            self._timer = loop.call_at(self._next - self._tolerance, self._release, loop)

    def _release(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        while self._waiters and self._may_go(loop.time()):
            _, _, turn = heapq.heappop(self._waiters)
            if not turn.done():
                turn.set_result(None)
                self.late_seconds += max(0.0, loop.time() - self._next)
                self._take(loop.time())
                break
        if self._waiters:
            self._schedule(loop)


@dataclass
class _Lane:
    """One chat's way out: the loop time its next message may leave, and a lock that lets one
    send through at a time, in the order they came."""

    interval: float
    turn: asyncio.Lock
    next: float = 0.0

    def has_capacity(self) -> bool:
        return asyncio.get_running_loop().time() >= self.next

    async def wait(self) -> None:
        wait = self.next - asyncio.get_running_loop().time()
        if wait > 0:
            await asyncio.sleep(wait)

    def sent(self) -> None:
        self.next = asyncio.get_running_loop().time() + self.interval


class _Window:
    """At most `limit` messages that Telegram may count within one second, whatever the
    network does to their timing: Telegram counts each message at some moment between its
    request and its answer, so the second before a new request can hold any message answered
    within it and any still unanswered. Under a busy machine the requests of an evenly paced
    schedule reach Telegram bunched (30 seen within 0.99 s on a loaded two-core machine); this
    bound cannot be broken by that, and it rarely binds while the timing is as sent."""

    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._answered: deque[float] = deque()  # loop times of the answers of the last second
        self._in_flight = 0

    def _counted(self, now: float) -> int:
        while self._answered and self._answered[0] <= now - 1.0:
            self._answered.popleft()
        return self._in_flight + len(self._answered)

    def has_room(self) -> bool:
        return self._counted(asyncio.get_running_loop().time()) < self._limit

    async def enter(self) -> None:
        loop = asyncio.get_running_loop()
        while self._counted(loop.time()) >= self._limit:
            # Only the oldest answer leaving the second makes room (an answer arriving moves a
            # message from in flight to answered); with every counted message in flight,
            # look again in a second.
            oldest = self._answered[0] + 1.0 if self._answered else loop.time() + 1.0
            await asyncio.sleep(max(oldest - loop.time(), 0.001))
        self._in_flight += 1

    def leave(self) -> None:
        self._in_flight -= 1
        self._answered.append(asyncio.get_running_loop().time())


class Pacer:
    """The buckets and the flood-control pauses, shared by every sender of one bot.

    Use one pacer per event loop: the buckets count on its clock (`loop.time()`). `clock`
    measures flood-control pauses (monotonic seconds; tests move it by hand).
    """

    def __init__(
        self, pacing: Pacing = Pacing(), *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.pacing = pacing
        self._clock = clock
        self._overall = _PriorityBucket(pacing.overall_interval, pacing.tolerance)
        self._window = _Window(int(pacing.overall_per_second))
        self._lanes: OrderedDict[int | str, _Lane] = OrderedDict()
        self._paused_until: dict[int | str, float] = {}

    async def send(
        self, chat_id: int | str, priority: Priority, call: Callable[[], Awaitable[T]]
    ) -> T:
        """Run `call` (one request to Telegram) when the chat's lane and the overall budget
        allow. A paused chat makes a reply wait and a bulk send raise `RetryAfter` at once; a
        429 from `call` pauses the chat and propagates.

        The chat's next message may leave one interval after this one's answer came back, not
        after it left: Telegram counted this one somewhere in between, so however long the
        request took, or waited for the overall budget, the next cannot land within the
        chat's window."""
        lane = self._lane(chat_id)
        async with lane.turn:
            remaining = self.remaining_pause(chat_id)
            if remaining > 0 and priority is Priority.BULK:
                raise Paused(dtm.timedelta(seconds=remaining))
            if remaining > 0:
                await asyncio.sleep(remaining)
            await lane.wait()
            await self._overall.acquire(priority)
            await self._window.enter()
            try:
                return await call()
            except RetryAfter as exc:
                self.pause(chat_id, retry_after_seconds(exc))
                raise
            finally:
                self._window.leave()
                lane.sent()

    @property
    def late_seconds(self) -> float:
        """Seconds of overall budget lost because the loop served a waiting send after its
        slot (the benchmark's check that this process keeps up with the rate)."""
        return self._overall.late_seconds

    def has_capacity(self, chat_id: int | str) -> bool:
        """Whether a send to `chat_id` would go out now, without waiting or being paused.

        Lets a caller (or a test) see the pacing without spending it; call it from the event
        loop that sends."""
        if self.remaining_pause(chat_id) > 0:
            return False
        lane = self._lanes.get(chat_id)
        if lane is not None and (lane.turn.locked() or not lane.has_capacity()):
            return False
        return self._overall.has_capacity() and self._window.has_room()

    async def wait_ready(self, chat_id: int | str) -> None:
        """Wait until the chat's own pacing would let a message through, without spending its
        turn (the overall budget may still make the send wait a moment). A flood-control pause
        is not waited for: a bulk send to a paused chat is refused at once, and rescheduled."""
        loop = asyncio.get_running_loop()
        while True:  # a reply to the chat may move its lane on while we wait: look again
            lane = self._lanes.get(chat_id)
            wait = lane.next - loop.time() if lane is not None else 0.0
            if wait <= 0:
                return
            await asyncio.sleep(wait)

    def pause(self, chat_id: int | str, seconds: float) -> None:
        now = self._clock()
        self._paused_until[chat_id] = max(self._paused_until.get(chat_id, now), now + seconds)
        if len(self._paused_until) > _MAX_LANES:  # forget pauses that are over
            self._paused_until = {c: t for c, t in self._paused_until.items() if t > now}

    def remaining_pause(self, chat_id: int | str) -> float:
        until = self._paused_until.get(chat_id)
        if until is None:
            return 0.0
        remaining = until - self._clock()
        if remaining <= 0:
            del self._paused_until[chat_id]
            return 0.0
        return remaining

    def _lane(self, chat_id: int | str) -> _Lane:
        """This chat's lane, made on first use. Past _MAX_LANES the least recently used idle
        lanes are dropped: at 30 sends a second overall they were last used minutes ago, so
        their buckets were empty anyway and forgetting them loses no pacing."""
        lane = self._lanes.get(chat_id)
        if lane is not None:
            self._lanes.move_to_end(chat_id)
            return lane
        lane = self._lanes[chat_id] = _Lane(self.pacing.interval(chat_id), asyncio.Lock())
        excess = len(self._lanes) - _MAX_LANES
        if excess > 0:
            oldest = itertools.islice(self._lanes.items(), 2 * excess + 8)
            idle = [c for c, old in oldest if c != chat_id and not old.turn.locked()]
            for old_chat_id in idle[:excess]:
                del self._lanes[old_chat_id]
        return lane


class PacedRateLimiter(BaseRateLimiter[Priority]):
    """python-telegram-bot's rate-limiter hook, served by a `Pacer`.

    Requests that put a message in a chat are paced; others (getUpdates, answers to button
    presses, getChatMember) go straight through. ``rate_limit_args`` is the `Priority`
    (a reply when not given). A reply that meets a 429 waits it out and tries again, up to
    `reply_tries` times in all; then the `RetryAfter` reaches the caller, which hands the
    message to the outbox.
    """

    def __init__(self, pacer: Pacer, *, reply_tries: int = 3) -> None:
        self.pacer = pacer
        self.reply_tries = reply_tries

    async def initialize(self) -> None:
        """Nothing to set up: the pacer's buckets are made on first use."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Priority | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat_id = data.get("chat_id")
        if chat_id is None or not _is_sending(endpoint):
            return await callback(*args, **kwargs)
        priority = rate_limit_args or Priority.REPLY
        tries = self.reply_tries if priority is Priority.REPLY else 1
        for attempt in range(1, tries + 1):
            try:
                return await self.pacer.send(chat_id, priority, lambda: callback(*args, **kwargs))
            except RetryAfter as exc:
                if attempt == tries:
                    raise
                log.info(
                    "chat %s: %s answered 429; reply tried again after %.0fs (%d/%d)",
                    chat_id,
                    endpoint,
                    retry_after_seconds(exc),
                    attempt,
                    tries,
                )
        raise AssertionError("unreachable")


def _is_sending(endpoint: str) -> bool:
    return endpoint.startswith(_SENDING) and endpoint not in _NOT_A_MESSAGE


def retry_after_seconds(exc: RetryAfter) -> float:
    """``retry_after`` as seconds, whether PTB gives an int (deprecated) or a timedelta."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, dtm.timedelta):
        return value.total_seconds()
    return float(value)
