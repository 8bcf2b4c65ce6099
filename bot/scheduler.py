"""The recurring work of the service, as a list of jobs any scheduler can run.

The same jobs run under python-telegram-bot's JobQueue (with a token) or a bare APScheduler
(console mode): poll the feeds that are due, request and renew WebSub subscriptions, queue the
digests that are due, send the outbox.
Each job runs alone (`max_instances=1`), and a job that fails is logged and runs again at its next
tick: one bad pass never stops the service.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.services import Services

__all__ = ["JobSpec", "RunningJobs", "run_jobs", "service_jobs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    name: str
    interval: float  # seconds between runs
    run: Callable[[], Awaitable[object]]
    first: float = 0.0  # seconds before the first run


ROLE_JOBS = {
    "all": {"poll-feeds", "websub", "queue-digests", "deliver", "refresh-gauges"},
    "ingest": {"poll-feeds", "websub", "queue-digests", "refresh-gauges"},
    "deliver": {"deliver", "refresh-gauges"},
}


def service_jobs(services: Services) -> list[JobSpec]:
    """The jobs this process runs: all of them, or those of its role (`--role`)."""
    every = services.settings.schedule
    wanted = ROLE_JOBS[services.settings.role]
    jobs = [
        ("poll-feeds", every.poll_interval, services.poll_due, 0.0),
        ("websub", every.websub_interval, services.websub, 2.0),
        ("queue-digests", every.digest_interval, services.queue_digests, 0.0),
        ("deliver", every.deliver_interval, services.deliver, 0.5),
        ("refresh-gauges", 15.0, services.refresh_gauges, 1.0),
    ]
    return [
        JobSpec(name, interval, _stamped(services, run), first)
        for name, interval, run, first in jobs
        if interval and name in wanted
    ]


def _stamped(
    services: Services, run: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[object]]:
    """Note each successful pass, for /healthz."""

    async def stamped() -> object:
        result = await run()
        services.last_pass = time.monotonic()
        return result

    return stamped


class RunningJobs:
    """The job passes in progress, so a stop can cancel them instead of waiting: a feed that
    never answers must not hold up a SIGTERM (systemd would kill the process mid-write).
    Cancelling is safe: the outbox finishes recording a send the channel answered, and a
    store step runs in a thread that completes its transaction."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()
        self._stopping = False

    def guarded(self, job: JobSpec) -> Callable[[], Awaitable[None]]:
        """`job.run`, logged and swallowed when it fails (it runs again at its next tick); once
        the stop began, nothing: a pass the scheduler starts while the stop waits for it (PTB's
        JobQueue keeps ticking until ``app.stop()``) would hold the stop up until it ends, a
        whole fan-out."""

        async def run() -> None:
            if self._stopping:
                return
            task = asyncio.current_task()
            if task is not None:
                self._tasks.add(task)
            try:
                await job.run()
            except Exception:
                log.exception("job %s failed; it runs again at its next tick", job.name)
            finally:
                if task is not None:
                    self._tasks.discard(task)

        return run

    async def cancel(self, grace: float = 5.0) -> None:
        """Cancel every pass in progress, start no more, and give them `grace` seconds to
        unwind."""
        self._stopping = True
        tasks = [task for task in self._tasks if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=grace)
            log.info("stopping: %d job passes cancelled", len(tasks))


async def run_jobs(jobs: list[JobSpec], stop: asyncio.Event) -> None:
    """Run `jobs` on APScheduler until `stop` is set (console mode)."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    running = RunningJobs()
    for job in jobs:
        scheduler.add_job(
            running.guarded(job),
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
        await running.cancel()
