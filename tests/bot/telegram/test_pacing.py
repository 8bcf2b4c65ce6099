"""The pacer's own arithmetic, on a loop clock the test moves by hand (no requests, no sleeps):
the overall budget keeps its schedule when a send goes a little early, never lets one second
hold more than the limit, and a chat's next message is timed from this one's answer."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from bot.telegram.pacing import Pacer, Pacing, Priority

LANES_OUT_OF_THE_WAY = {"private_per_second": 1_000.0, "group_per_minute": 60_000.0}


class LoopClock:
    """The running loop's `time()`, moved only by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_000.0
        monkeypatch.setattr(asyncio.get_running_loop(), "time", lambda: self.now)


async def send(pacer: Pacer, chat_id: int, during: Callable[[], None] = lambda: None) -> None:
    """A send the pacer lets through at once (the test checked `has_capacity`)."""

    async def call() -> None:
        during()

    await pacer.send(chat_id, Priority.BULK, call)


async def test_a_send_may_use_its_slot_a_little_early_and_the_schedule_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = LoopClock(monkeypatch)
    pacer = Pacer(Pacing(overall_per_second=10, **LANES_OUT_OF_THE_WAY))  # slots 0.1 s apart
    await send(pacer, 1)
    clock.now += 0.07
    assert not pacer.has_capacity(2)
    clock.now += 0.02  # 0.09: within a quarter interval of the slot at 0.1
    assert pacer.has_capacity(2)
    await send(pacer, 2)
    clock.now += 0.085  # 0.175: the next slot is 0.2, not 0.09 + 0.1
    assert pacer.has_capacity(3)


async def test_no_second_holds_more_than_the_overall_limit_and_the_rate_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = LoopClock(monkeypatch)
    pacer = Pacer(Pacing(headroom=0.03, **LANES_OUT_OF_THE_WAY))  # 30/s, paced at 29.1/s
    rng = random.Random(7)
    start, sent = clock.now, []
    chat = 0
    while clock.now < start + 20:
        clock.now += rng.choice((0.0005, 0.001, 0.004, 0.012))  # a loop that wakes up late
        if pacer.has_capacity(chat + 1):
            chat += 1
            await send(pacer, chat)
            sent.append(clock.now)
    busiest = max(sum(1 for t in sent if s <= t < s + 1.0) for s in sent)
    assert busiest <= 30
    assert len(sent) >= 0.95 * 30 * 20


async def test_a_chats_next_message_waits_an_interval_from_this_ones_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = LoopClock(monkeypatch)
    pacer = Pacer(Pacing(overall_per_second=1_000))  # a private chat: 1 a second

    def slow_answer() -> None:
        clock.now += 0.3

    await send(pacer, 42, during=slow_answer)
    clock.now += 0.95
    assert not pacer.has_capacity(42)
    clock.now += 0.05
    assert pacer.has_capacity(42)


async def test_a_second_never_holds_more_than_the_limit_counting_from_request_to_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = LoopClock(monkeypatch)
    pacer = Pacer(Pacing(overall_per_second=2, **LANES_OUT_OF_THE_WAY))  # slots 0.5 s apart

    def slow_answer() -> None:
        clock.now += 0.9  # Telegram counted it somewhere in these 0.9 s

    await send(pacer, 1, during=slow_answer)  # answered at 0.9
    await send(pacer, 2)  # its slot (0.5) is past: answered at 0.9 too
    clock.now += 0.5  # 1.4: the schedule's next slot, but both may have been counted after 0.4
    assert not pacer.has_capacity(3)
    clock.now += 0.5  # 1.9: both answers are more than a second old
    assert pacer.has_capacity(3)
