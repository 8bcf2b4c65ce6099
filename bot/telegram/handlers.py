"""Everyone's chat commands: read the update, call a chat service, reply.

Each handler parses its arguments, runs one chat-service call in one transaction
(`context.db`), and answers with what `bot.chat.replies` renders. Anything a user can type gets
an answer: a refusal (an `InputError`) says what was wrong and shows an example.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from bot.chat import prefs, replies, reports, subscriptions
from bot.chat.channels import split_destination
from bot.chat.input import number
from bot.errors import ExtractionError, FetchError, InputError
from bot.telegram.channels import subscribe_to_channel
from bot.telegram.context import NewsContext, argument, caller
from bot.telegram.help import help_text

__all__ = ["COMMANDS", "on_error", "on_text", "on_unknown", "refuse_non_admin"]

log = logging.getLogger(__name__)
Handler = Callable[[Update, NewsContext], Coroutine[Any, Any, None]]


# --- who may change what ------------------------------------------------------------------


async def may_change(update: Update, context: NewsContext) -> bool:
    """In groups only administrators change subscriptions and settings; in private, the user.
    In a channel nobody does (its queries are changed from their owner's private chat)."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type == ChatType.PRIVATE:
        return True
    if chat.type == ChatType.CHANNEL:
        return False
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator of this group
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def refuse_non_admin(update: Update, context: NewsContext) -> bool:
    if await may_change(update, context):
        return False
    await context.reply(update, replies.NOT_ADMIN)
    return True


def is_operator(update: Update, context: NewsContext) -> bool:
    admins = set(context.services.settings.admins)
    user, chat = update.effective_user, update.effective_chat
    return bool((user and user.id in admins) or (chat and chat.id in admins))


# --- commands -------------------------------------------------------------------------------


async def cmd_start(update: Update, context: NewsContext) -> None:
    services, who = context.services, caller(update)
    chat = await context.db(
        lambda s: prefs.chat_settings(s, who, services.clock.now(), services.settings)
    )
    await context.reply(update, replies.intro(chat))


async def cmd_help(update: Update, context: NewsContext) -> None:
    await context.reply(update, help_text(operator=is_operator(update, context)))


async def cmd_subscribe(update: Update, context: NewsContext) -> None:
    text = argument(update)
    if not text:
        await context.reply(update, replies.SUBSCRIBE_HOW)
        return
    try:
        text, target = split_destination(text)
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    if target is not None:
        await subscribe_to_channel(update, context, text, target)
        return
    if await refuse_non_admin(update, context):
        return
    services, who = context.services, caller(update)
    now = services.clock.now()
    try:
        result = await context.db(
            lambda s: subscriptions.subscribe(s, who, text, now, services.settings, backfill=True)
        )
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    await context.reply(update, replies.subscribed(result))


async def cmd_test(update: Update, context: NewsContext) -> None:
    text = argument(update)
    if not text:
        await context.reply(update, replies.TEST_HOW)
        return
    services, chat_id = context.services, caller(update).chat_id
    now = services.clock.now()
    try:
        result = await context.db(
            lambda s: subscriptions.try_query(text, s, now, services.settings, chat_id)
        )
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    await context.reply(update, replies.tried(result))


async def cmd_unsubscribe(update: Update, context: NewsContext) -> None:
    key, who, services = argument(update), caller(update), context.services
    if not key:
        queries = await context.db(lambda s: subscriptions.list_queries(s, who.chat_id))
        if not queries:
            await context.reply(update, replies.NO_QUERIES)
        else:
            await context.reply(update, replies.WHICH_QUERY, replies.unsubscribe_keyboard(queries))
        return
    if await refuse_non_admin(update, context):
        return
    now = services.clock.now()
    removed = await context.db(
        lambda s: subscriptions.unsubscribe(s, who, key, now, services.settings)
    )
    await context.reply(
        update, replies.no_query(key) if removed is None else replies.stopped_query(removed)
    )


async def cmd_list(update: Update, context: NewsContext) -> None:
    services, who = context.services, caller(update)
    now = services.clock.now()
    view = await context.db(lambda s: reports.overview(s, who, now, services.settings))
    await context.reply(update, replies.overview(view, now))


async def cmd_settings(update: Update, context: NewsContext) -> None:
    services, who = context.services, caller(update)
    now = services.clock.now()
    view = await context.db(lambda s: reports.overview(s, who, now, services.settings))
    await context.reply(
        update, replies.overview(view, now), replies.settings_keyboard(view.settings)
    )


async def cmd_status(update: Update, context: NewsContext) -> None:
    chat_id, now = caller(update).chat_id, context.services.clock.now()
    statuses = await context.db(lambda s: reports.source_status(s, chat_id, now))
    await context.reply(update, replies.source_status(statuses, reports.STATUS_DAYS))


async def cmd_digest(update: Update, context: NewsContext) -> None:
    services, who = context.services, caller(update)
    now = services.clock.now()
    await context.db(lambda s: reports.digest_now(s, who, now, services.settings))
    await services.deliver()


async def cmd_latest(update: Update, context: NewsContext) -> None:
    services = context.services
    most = services.settings.telegram.latest_max
    wanted = number(argument(update) or "5")
    if wanted is None or not 1 <= wanted <= most:
        await context.reply(update, replies.latest_how(most))
        return
    chat_id = caller(update).chat_id
    items = await context.db(lambda s: reports.latest(s, wanted, chat_id))
    if not items:
        await context.reply(update, replies.NO_STORIES)
        return
    for text in replies.latest(items, services.clock.now()):
        await context.reply(update, text)


async def cmd_summary(update: Update, context: NewsContext) -> None:
    url = argument(update)
    if not url:
        await context.reply(update, replies.SUMMARY_HOW)
        return
    services = context.services
    try:
        summary = await reports.summarize_link(services.pages, url, services.settings)
    except FetchError as exc:
        await context.reply(update, replies.unsummarizable(str(exc)))
    except ExtractionError:
        await context.reply(update, replies.NO_ARTICLE)
    else:
        await context.reply(update, replies.link_summary(summary))


async def cmd_stop(update: Update, context: NewsContext) -> None:
    if await refuse_non_admin(update, context):
        return
    await context.reply(update, replies.STOP_ASK, replies.stop_keyboard())


# --- chat settings: one shape for every command that changes a preference -----------------


def _setting(prompt: str, done: str, setter: prefs.Setter) -> Handler:
    """A handler that asks for its argument when it needs one and has none, then applies
    `setter` to the chat and confirms with `done`."""

    async def handler(update: Update, context: NewsContext) -> None:
        text = argument(update)
        if not text and prompt:
            await context.reply(update, prompt)
            return
        if await refuse_non_admin(update, context):
            return
        services, who = context.services, caller(update)
        now = services.clock.now()
        try:
            value = await context.db(
                lambda s: prefs.change_chat(s, who, setter, text, now, services.settings)
            )
        except InputError as exc:
            await context.reply(update, replies.problem(str(exc)))
            return
        await context.reply(update, replies.done(done, value))

    return handler


cmd_digesttime = _setting(replies.DIGESTTIME_HOW, replies.DIGESTTIME_SET, prefs.set_digest_time)
cmd_timezone = _setting(replies.TIMEZONE_HOW, replies.TIMEZONE_SET, prefs.set_timezone)
cmd_quiet = _setting(replies.QUIET_HOW, replies.QUIET_SET, prefs.set_quiet_hours)
cmd_pause = _setting("", replies.PAUSED, prefs.pause_alerts)
cmd_resume = _setting("", replies.RESUMED, prefs.resume_alerts)


# --- everything else ------------------------------------------------------------------------


async def on_unknown(update: Update, context: NewsContext) -> None:
    message, chat = update.effective_message, update.effective_chat
    if message is None or chat is None or not message.text:
        return
    command, _, target = message.text.split(maxsplit=1)[0].partition("@")
    if chat.type != ChatType.PRIVATE and target.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the group
    await context.reply(update, replies.unknown_command(command))


async def on_text(update: Update, context: NewsContext) -> None:
    """Plain messages in a private chat get a hint; in groups they are none of our business."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await context.reply(update, replies.TEXT_HINT)


async def on_error(update: object, context: NewsContext) -> None:
    log.error(
        "handler failed for update %s", getattr(update, "update_id", "?"), exc_info=context.error
    )
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await context.reply(update, replies.SORRY)
        except Exception:  # the apology is best effort; the error is already logged
            log.warning("could not tell chat about the error", exc_info=True)


COMMANDS: dict[str, Handler] = {
    "start": cmd_start,
    "help": cmd_help,
    "subscribe": cmd_subscribe,
    "alert": cmd_subscribe,
    "test": cmd_test,
    "quiet": cmd_quiet,
    "status": cmd_status,
    "unsubscribe": cmd_unsubscribe,
    "list": cmd_list,
    "digest": cmd_digest,
    "digesttime": cmd_digesttime,
    "timezone": cmd_timezone,
    "pause": cmd_pause,
    "resume": cmd_resume,
    "settings": cmd_settings,
    "latest": cmd_latest,
    "summary": cmd_summary,
    "stop": cmd_stop,
}
