"""The Telegram front end: python-telegram-bot's Application, wired to our services.

Resources are made in `post_init` (database, HTTP clients, the paced Telegram channel, the jobs)
and released in `post_shutdown`, as PTB recommends. The recurring jobs run on PTB's JobQueue,
itself APScheduler; schedules that must survive a restart (digests) live in our own tables and
the jobs read them, so nothing is lost with the in-memory JobQueue.
"""

from __future__ import annotations

import logging

import httpx
from telegram import BotCommand, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.clock import Clock, SystemClock
from bot.fetch import Fetcher
from bot.scheduler import guarded, service_jobs
from bot.services import Services
from bot.settings import Settings
from bot.telegram.commands import COMMANDS
from bot.telegram.handlers import CALLBACKS, HANDLERS, on_error, on_text, on_unknown
from bot.telegram.send import Pacing, TelegramChannel

__all__ = ["build_application", "run_telegram"]

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    *,
    clock: Clock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Application:  # type: ignore[type-arg]
    """The bot, ready to start; `clock` and `transport` are for tests and the demo."""
    token = settings.token
    clock = clock or SystemClock()
    if not token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # PTB appends the token to these (".../bot" + token), like Telegram's own URLs.
    base = settings.telegram_api_base_url
    file_base = base[: -len("/bot")] + "/file/bot" if base.endswith("/bot") else base

    async def post_init(app: Application) -> None:  # type: ignore[type-arg]
        pacing = Pacing(
            overall_per_second=settings.delivery.overall_per_second,
            private_per_second=settings.delivery.private_per_second,
            group_per_minute=settings.delivery.group_per_minute,
        )
        # The channel's flood-control pauses run on the same clock as the outbox's retry times.
        channel = TelegramChannel(
            app.bot,
            pacing,
            timeout_backoff=settings.delivery.retry_backoff,
            clock=lambda: clock.now().timestamp(),
        )
        services = Services.build(settings, channel, clock=clock, transport=transport)
        app.bot_data["services"] = services
        app.bot_data["pages"] = Fetcher(
            timeout=settings.telegram.page_timeout,
            max_bytes=settings.telegram.page_max_bytes,
            user_agent=settings.poll.user_agent,
            transport=transport,
        )
        await app.bot.set_my_commands([BotCommand(cmd.name, cmd.description) for cmd in COMMANDS])
        assert app.job_queue is not None
        for spec in service_jobs(services):
            run = guarded(spec)

            async def job(_: CallbackContext, run=run) -> None:  # type: ignore[type-arg]
                await run()

            app.job_queue.run_repeating(
                job,
                interval=spec.interval,
                first=spec.first,
                name=spec.name,
                job_kwargs={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
            )
        log.info("bot @%s ready: %d feeds", app.bot.username, len(settings.feeds))

    async def post_shutdown(app: Application) -> None:  # type: ignore[type-arg]
        services: Services | None = app.bot_data.get("services")
        if services is not None:
            await services.aclose()
        pages: Fetcher | None = app.bot_data.get("pages")
        if pages is not None:
            await pages.aclose()

    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(base)
        .base_file_url(file_base)
        .post_init(post_init)
        .post_shutdown(post_shutdown)
        .build()
    )
    for name, handler in HANDLERS.items():
        app.add_handler(CommandHandler(name, handler))
    app.add_handler(CallbackQueryHandler(CALLBACKS))
    app.add_handler(MessageHandler(filters.COMMAND, on_unknown))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    app.add_error_handler(on_error)
    return app


def run_telegram(
    settings: Settings, *, webhook: str | None = None, listen: str = "0.0.0.0", port: int = 8443
) -> int:
    app = build_application(settings)
    if webhook:
        app.run_webhook(
            listen=listen, port=port, webhook_url=webhook, allowed_updates=Update.ALL_TYPES
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES, timeout=settings.telegram.poll_timeout)
    return 0
