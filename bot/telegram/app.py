"""The Telegram front end: python-telegram-bot's Application, wired to our services.

Resources are made in `post_init` (database, HTTP clients, the paced Telegram channel, the jobs)
and released in `post_shutdown`, as PTB recommends. The recurring jobs run on PTB's JobQueue,
itself APScheduler; schedules that must survive a restart (digests) live in our own tables and
the jobs read them, so nothing is lost with the in-memory JobQueue.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable

import httpx
from telegram import BotCommand, Update
from telegram.ext import ApplicationBuilder, CommandHandler, JobQueue, MessageHandler, filters

from bot.clock import Clock, SystemClock
from bot.scheduler import service_jobs
from bot.services import Services
from bot.settings import Settings
from bot.telegram.buttons import BUTTONS
from bot.telegram.context import CONTEXT_TYPES, NewsApp, NewsContext
from bot.telegram.handlers import COMMANDS, on_error, on_text, on_unknown
from bot.telegram.help import MENU
from bot.telegram.operator import OPERATOR_COMMANDS
from bot.telegram.ordering import ChatOrderedUpdates
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing
from bot.telegram.send import TelegramChannel
from bot.telegram.sources import SOURCE_COMMANDS, on_document

__all__ = ["build_application", "run_telegram", "serve"]

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> NewsApp:
    """The bot, ready to start; `clock` and `transport` are for tests and the demo."""
    token = settings.token
    clock = clock or SystemClock()
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # PTB appends the token to these (".../bot" + token), like Telegram's own URLs.
    base = settings.telegram_api_base_url
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base

    delivery = settings.delivery
    pacing = Pacing(
        overall_per_second=delivery.overall_per_second,
        private_per_second=delivery.private_per_second,
        group_per_minute=delivery.group_per_minute,
        headroom=delivery.headroom,
    )
    # Flood-control pauses run on the same clock as the outbox's retry times.
    pacer = Pacer(pacing, clock=lambda: clock.now().timestamp())

    async def post_init(app: NewsApp) -> None:
        channel = TelegramChannel(app.bot, timeout_backoff=delivery.retry_backoff)
        services = Services.build(settings, channel, clock=clock, transport=transport)
        app.bot_data.services = services
        app.bot_data.health = services.start_http()  # health, metrics, WebSub callbacks
        await app.bot.set_my_commands([BotCommand(cmd.name, cmd.description) for cmd in MENU])
        assert app.job_queue is not None
        for spec in service_jobs(services):
            run = app.bot_data.jobs.guarded(spec)

            async def job(
                _: NewsContext,
                run: Callable[[], Awaitable[None]] = run,
            ) -> None:
                await run()

            app.job_queue.run_repeating(
                job,
                interval=spec.interval,
                first=spec.first,
                name=spec.name,
                job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            )
        log.info("bot @%s ready: %d feeds", app.bot.username, len(settings.feeds))

    async def post_shutdown(app: NewsApp) -> None:
        if app.bot_data.services is not None:
            await app.bot_data.services.aclose()
        if app.bot_data.health is not None:
            app.bot_data.health.stop()

    app: NewsApp = (
        ApplicationBuilder()
        .context_types(CONTEXT_TYPES)
        .job_queue(JobQueue[NewsContext]())
        .rate_limiter(PacedRateLimiter(pacer))
        .concurrent_updates(ChatOrderedUpdates())
        .token(token)
        .base_url(base)
        .base_file_url(file_base)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    for name, handler in (COMMANDS | SOURCE_COMMANDS | OPERATOR_COMMANDS).items():
        app.add_handler(CommandHandler(name, handler))
    for button in BUTTONS:
        app.add_handler(button)
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_error_handler(on_error)
    return app


LEADER_RETRY = 2.0  # seconds between a standby's attempts to take over


async def _take_the_lead(app: NewsApp, services: Services) -> bool:
    """Receive updates once this worker is the one that talks to Telegram; True once it is.

    By long polling, or by webhook when `telegram.webhook_url` is set: then Telegram is told
    the secret token (`setWebhook`) and PTB's webhook server refuses, with 403, any request
    that does not carry it, so a forged update changes nothing.
    """
    assert app.updater is not None
    if app.updater.running:
        return True
    if not await services.take_the_lead():
        return False
    settings = services.settings
    options = settings.telegram
    if options.webhook_url:
        await app.updater.start_webhook(
            listen=options.webhook_listen,
            port=options.webhook_port,
            url_path=options.webhook_route,
            webhook_url=options.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES,
        )
        how = f"by webhook on port {options.webhook_port}"
    else:
        await app.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, timeout=options.poll_timeout
        )
        how = "by long polling"
    log.info("this worker receives Telegram updates (leader), %s", how)
    return True


async def serve(app: NewsApp, settings: Settings, stop: asyncio.Event) -> None:
    """Run the bot until `stop` is set. Of several workers, one talks to Telegram (receives
    updates, answers them, sends the outbox: one send budget, as Telegram counts it); the
    others run their other jobs and try every few seconds to take over a dead leader."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    services = app.bot_data.services
    assert services is not None
    await app.start()
    try:
        if not await _take_the_lead(app, services):
            log.info("another worker talks to Telegram; this one stands by to take over")

            async def retry(_: NewsContext) -> None:
                if await _take_the_lead(app, services):
                    for job in app.job_queue.get_jobs_by_name("leader"):  # type: ignore[union-attr]
                        job.schedule_removal()

            assert app.job_queue is not None
            app.job_queue.run_repeating(
                retry, interval=LEADER_RETRY, first=LEADER_RETRY, name="leader"
            )
        await stop.wait()
    finally:
        await app.bot_data.jobs.cancel()  # a hanging fetch must not hold up the stop
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)  # closes the services, which gives up the lead


def run_telegram(settings: Settings) -> int:
    """`newsbot run` with Telegram: long polling or a webhook, the same `serve()` either way,
    until SIGINT or SIGTERM."""
    app = build_application(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(app, settings, stop)

    asyncio.run(main())
    return 0
