"""The recurring work of the service, as a list of jobs any scheduler can run.

The same three jobs run under python-telegram-bot's JobQueue (with a token) or a bare APScheduler
(console mode): poll the feeds that are due, queue the digests that are due, send the outbox.
Each job runs alone (`max_instances=1`), and a job that fails is logged and runs again at its next
tick: one bad pass never stops the service.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services import Services

__all__ = ["JobSpec", "run_jobs", "service_jobs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    interval: float  # seconds between runs
    run: Callable[[], Awaitable[object]]
    first: float = 0.0  # seconds before the first run


def service_jobs(services: Services) -> list[JobSpec]:
    every = services.settings.schedule
    jobs = [
        ("poll-feeds", every.poll_interval, services.poll_due, 0.0),
        ("queue-digests", every.digest_interval, services.queue_digests, 0.0),
        ("deliver", every.deliver_interval, services.outbox.run_once, 0.5),
    ]
    return [JobSpec(name, interval, run, first) for name, interval, run, first in jobs if interval]


def guarded(job: JobSpec) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job.run()
        except Exception:
            log.exception("job %s failed; it runs again at its next tick", job.name)

    return run


async def run_jobs(jobs: list[JobSpec], stop: asyncio.Event) -> None:
    """Run `jobs` on APScheduler until `stop` is set (console mode)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    for job in jobs:
        scheduler.add_job(
            guarded(job),
            "interval",
            seconds=job.interval,
            id=job.name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            next_run_time=datetime.now(UTC) + timedelta(seconds=job.first),
        )
    scheduler.start()
    try:
        await stop.wait()
    finally:
        scheduler.shutdown(wait=False)
