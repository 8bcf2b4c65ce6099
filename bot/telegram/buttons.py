"""Inline buttons: one `CallbackQueryHandler` per kind, registered by the pattern of its data.

The data comes from buttons we rendered (`bot.render` for alerts, `bot.chat.replies` for
/settings, /unsubscribe and /stop), but any client can send any data, so each pattern matches
only well-formed data and a last handler answers everything else. In groups only administrators
may press them.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from telegram import CallbackQuery, Update
from telegram.ext import CallbackQueryHandler

from bot.chat import prefs, replies, reports, sources, subscriptions
from bot.telegram.context import NewsContext
from bot.telegram.handlers import may_change

__all__ = ["BUTTONS"]

DAYS = {"1d": 1, "7d": 7}
Press = Callable[[CallbackQuery, re.Match[str], int, NewsContext], Awaitable[None]]


def _button(pattern: str, press: Press) -> CallbackQueryHandler[NewsContext, None]:
    """A handler for buttons whose data matches `pattern` in full; checks who pressed."""
    compiled = re.compile(f"^{pattern}$")

    async def handler(update: Update, context: NewsContext) -> None:
        query = update.callback_query
        assert query is not None and query.message is not None
        if not await may_change(update, context):
            await query.answer("Only this group's administrators can do that.", show_alert=True)
            return
        found = compiled.match(query.data or "")
        assert found is not None  # the handler's own pattern matched
        await press(query, found, query.message.chat.id, context)

    return CallbackQueryHandler(handler, pattern=compiled)


async def _stop_query(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    sub_id = int(found[1])
    removed = await context.db(lambda s: subscriptions.remove_subscription(s, chat_id, sub_id))
    await query.answer("Stopped." if removed else "That query is already gone.")
    if removed:
        await context.send(chat_id, replies.stopped_query(removed))


async def _mute_query(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    sub_id, days, now = int(found[1]), DAYS[found[2]], context.services.clock.now()
    muted = await context.db(lambda s: subscriptions.mute_query(s, chat_id, sub_id, days, now))
    await query.answer(f"Muted for {days} day(s)." if muted else "That query is gone.")


async def _mute_source(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    feed_id, days, now = int(found[1]), DAYS[found[2]], context.services.clock.now()
    source = await context.db(lambda s: subscriptions.mute_source(s, chat_id, feed_id, days, now))
    await query.answer(
        f"No stories first reported by {source} for {days} day(s)." if source else "Gone."
    )


async def _setting(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    field, value, now = found[1], found[2], context.services.clock.now()
    view = await context.db(lambda s: reports.apply_setting(s, chat_id, field, value))
    await query.answer("Saved." if view else "I don't know that button.")
    if view is not None:
        await context.edit(
            query, replies.overview(view, now), replies.settings_keyboard(view.settings)
        )


async def _forget(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    if found[1] == "yes":
        await context.db(lambda s: prefs.forget_chat(s, chat_id))
        await query.answer("Forgotten.")
        await context.edit(query, replies.STOPPED_CHAT)
    else:
        await query.answer("Kept.")
        await context.edit(query, replies.KEPT_CHAT)


async def _undo_source(
    query: CallbackQuery, found: re.Match[str], chat_id: int, context: NewsContext
) -> None:
    feed_id = int(found[1])
    removed = await context.db(lambda s: sources.undo_source(s, chat_id, feed_id))
    await query.answer("Removed." if removed else "That source is already gone.")
    if removed:
        await context.edit(query, replies.removed_source(removed, str(feed_id)))


async def _unknown(update: Update, context: NewsContext) -> None:
    query = update.callback_query
    assert query is not None
    await query.answer("I don't know that button.")


BUTTONS: list[CallbackQueryHandler[NewsContext, None]] = [
    _button(r"unsub:(\d{1,9})", _stop_query),
    _button(r"mute:(\d{1,9}):(1d|7d)", _mute_query),
    _button(r"msrc:(\d{1,9}):(1d|7d)", _mute_source),
    _button(r"set:(mode|len|digest):(\w{1,10})", _setting),
    _button(r"stop:(yes|no)", _forget),
    _button(r"unsrc:(\d{1,9})", _undo_source),
    CallbackQueryHandler(_unknown),
]
