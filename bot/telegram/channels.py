"""`/subscribe QUERY --to @channel`: checked with Telegram before anything is stored.

Accepted only from a private chat, for a channel where the bot is an administrator allowed to
post messages and the user is an administrator (or its creator), both asked of Telegram with
`getChatMember`. When the bot is not an administrator of a channel, Telegram refuses to say who
is (400 "member list is inaccessible"), which is read as "the bot may not post there".
"""

from __future__ import annotations

import logging

from telegram import ChatMemberAdministrator, ChatMemberOwner, Update
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden

from bot.chat import replies, subscriptions
from bot.chat.channels import Destination
from bot.errors import InputError
from bot.telegram.context import NewsContext, caller

__all__ = ["subscribe_to_channel"]

log = logging.getLogger(__name__)


async def _channel(context: NewsContext, target: str | int, user_id: int) -> Destination | str:
    """The channel if the bot may post there and the user administers it; else the refusal."""
    try:
        chat = await context.bot.get_chat(target)
    except (BadRequest, Forbidden):
        return replies.done(replies.CHANNEL_NOT_FOUND, str(target)[:40])
    if chat.type != ChatType.CHANNEL:
        return replies.NOT_A_CHANNEL
    title = chat.title or str(chat.id)
    try:
        me = await context.bot.get_chat_member(chat.id, context.bot.id)
    except (BadRequest, Forbidden) as exc:
        log.info("channel %s: cannot read my rights (%s)", chat.id, exc)
        return replies.done(replies.BOT_CANNOT_POST, title)
    if not (isinstance(me, ChatMemberAdministrator) and me.can_post_messages):
        return replies.done(replies.BOT_CANNOT_POST, title)
    try:
        them = await context.bot.get_chat_member(chat.id, user_id)
    except (BadRequest, Forbidden):
        return replies.done(replies.NOT_CHANNEL_ADMIN, title)
    if not isinstance(them, ChatMemberOwner | ChatMemberAdministrator):
        return replies.done(replies.NOT_CHANNEL_ADMIN, title)
    return Destination(chat.id, title, chat.username)


async def subscribe_to_channel(
    update: Update, context: NewsContext, text: str, target: str | int
) -> None:
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None or chat.type != ChatType.PRIVATE:
        await context.reply(update, replies.CHANNEL_FROM_PRIVATE)
        return
    checked = await _channel(context, target, user.id)
    if isinstance(checked, str):
        await context.reply(update, checked)
        return
    services, who = context.services, caller(update)
    now = services.clock.now()
    try:
        result = await context.db(
            lambda s: subscriptions.subscribe(
                s, who, text, now, services.settings, backfill=True, to=checked
            )
        )
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    await context.reply(update, replies.subscribed(result))
