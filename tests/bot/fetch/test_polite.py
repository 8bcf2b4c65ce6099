"""Per-host politeness: how many requests at once, and how far apart, on a clock tests move."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field

import pytest

from bot.fetch import Fetcher, HostGate
from tests.fakes.feeds import FeedServer, Route, make_feed


@dataclass
class StoppedTimer:
    """Time stands still unless a test moves it; every wait asked for is recorded, so the
    recorded waits say when each request would have started."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.sleep(0)


async def turns(gate: HostGate, hosts: list[str]) -> None:
    """Every host asks for its turn at the same moment."""

    async def one(host: str) -> None:
        async with gate.turn(host):
            pass

    await asyncio.gather(*(one(h) for h in hosts))


async def test_requests_to_one_host_start_at_least_the_interval_apart() -> None:
    timer = StoppedTimer()
    await turns(HostGate(per_host=4, interval=1.5, timer=timer), ["news.example"] * 4)
    assert sorted(timer.sleeps) == [1.5, 3.0, 4.5]


async def test_a_request_after_the_interval_has_passed_does_not_wait() -> None:
    timer = StoppedTimer()
    gate = HostGate(per_host=2, interval=1.0, timer=timer)
    await turns(gate, ["news.example"])
    timer.now += 1.0
    await turns(gate, ["news.example"])
    assert timer.sleeps == []


async def test_other_hosts_do_not_wait_for_a_busy_one() -> None:
    timer = StoppedTimer()
    await turns(HostGate(per_host=2, interval=10.0, timer=timer), ["a.example", "b.example"])
    assert timer.sleeps == []


async def test_host_names_differing_in_case_are_one_host() -> None:
    timer = StoppedTimer()
    await turns(HostGate(per_host=2, interval=1.0, timer=timer), ["News.Example", "news.example"])
    assert timer.sleeps == [1.0]


async def test_no_more_than_the_limit_run_at_once() -> None:
    gate = HostGate(per_host=2, interval=0.0)
    entered: asyncio.Queue[None] = asyncio.Queue()
    release = asyncio.Event()
    running, peak = 0, 0

    async def one() -> None:
        nonlocal running, peak
        async with gate.turn("news.example"):
            running += 1
            peak = max(peak, running)
            entered.put_nowait(None)
            await release.wait()
            running -= 1

    tasks = [asyncio.create_task(one()) for _ in range(5)]
    for _ in range(2):
        await asyncio.wait_for(entered.get(), timeout=5)
    for _ in range(20):  # give the other three every chance to get in
        await asyncio.sleep(0)
    assert running == 2 and entered.empty()
    release.set()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=5)
    assert peak == 2


def test_a_gate_needs_at_least_one_slot() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        HostGate(per_host=0)


# --- through the fetcher, against a real server ---------------------------------------------


async def test_the_fetcher_keeps_two_requests_in_flight_per_host(feed_server: FeedServer) -> None:
    release = threading.Event()
    url = feed_server.route("/slow.xml", Route(make_feed([]), block=release))
    fetcher = Fetcher(host_concurrency=2, host_interval=0.0)
    fetches = asyncio.gather(*(fetcher.fetch(url) for _ in range(3)))
    arrived = await asyncio.to_thread(feed_server.wait_for_hits, "/slow.xml", 2)
    third_early = await asyncio.to_thread(feed_server.wait_for_hits, "/slow.xml", 3, 0.3)
    release.set()
    results = await asyncio.wait_for(fetches, timeout=10)
    await fetcher.aclose()
    assert arrived and not third_early
    assert all(r.ok for r in results) and feed_server.peak_in_flight == 2


async def test_the_fetcher_spaces_requests_to_one_host(feed_server: FeedServer) -> None:
    url = feed_server.route("/f.xml", Route(make_feed([])))
    other = feed_server.url("/f.xml", host="localhost")  # the same server by another name
    timer = StoppedTimer()
    fetcher = Fetcher(host_interval=2.0, timer=timer)
    for _ in range(3):
        await fetcher.fetch(url)
    await fetcher.fetch(other)
    await fetcher.aclose()
    assert timer.sleeps == [2.0, 4.0]  # asked at one moment: the third waits two intervals
    assert len(feed_server.hits("/f.xml")) == 4
