"""The service's job passes: a stop cancels those in progress and lets no new one start."""

from __future__ import annotations

import asyncio

from bot.scheduler import JobSpec, RunningJobs


async def test_a_pass_the_scheduler_starts_after_the_stop_began_does_nothing() -> None:
    jobs = RunningJobs()
    ran: list[str] = []

    async def deliver() -> None:
        ran.append("deliver")

    run = jobs.guarded(JobSpec("deliver", 0.1, deliver))
    await run()
    await jobs.cancel()
    await run()  # PTB's JobQueue still ticks until app.stop()
    assert ran == ["deliver"]


async def test_a_stop_cancels_the_pass_in_progress() -> None:
    jobs = RunningJobs()
    started = asyncio.Event()

    async def hang() -> None:
        started.set()
        await asyncio.Event().wait()

    task = asyncio.ensure_future(jobs.guarded(JobSpec("poll-feeds", 15.0, hang))())
    await started.wait()
    await jobs.cancel(grace=5.0)
    assert task.cancelled()
