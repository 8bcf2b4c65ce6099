"""`newsbot run`: the long-running service.

With a token the Telegram front end runs it (long polling, or a webhook), and its JobQueue runs
the jobs; in console mode a bare APScheduler runs them and messages are printed. Either way a
digest missed while the service was down goes out once at start-up: the first digest pass sees
every chat whose `next_digest_at` has passed.
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot.deliver import ConsoleChannel
from bot.scheduler import run_jobs, service_jobs
from bot.services import Services
from bot.settings import Settings

__all__ = ["run_service"]

log = logging.getLogger(__name__)


async def _run_jobs(settings: Settings) -> int:
    """The jobs without Telegram: console mode, or a worker whose role is `ingest`."""
    services = Services.build(settings, ConsoleChannel())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        "newsbot running (role %s, no Telegram) with %d feeds; Ctrl-C stops",
        settings.role,
        len(settings.feeds),
    )
    health = services.start_http()
    try:
        await run_jobs(service_jobs(services), stop)
    finally:
        if health is not None:
            health.stop()
        await services.aclose()
    return 0


def run_service(settings: Settings, *, console: bool = False) -> int:
    if console or settings.role == "ingest":
        return asyncio.run(_run_jobs(settings))
    from bot.telegram.app import run_telegram

    return run_telegram(settings)
