"""A chat's own sources: /addsource, /sources, /removesource, /export, and OPML files sent in.

Each handler reads the update, calls `bot.chat.sources` (or `feedlists` for OPML), and answers
with what `bot.chat.replies` renders. In groups only administrators add or remove sources.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.chat import feedlists, replies, sources
from bot.errors import InputError
from bot.telegram.context import NewsContext, argument, caller
from bot.telegram.handlers import Handler, refuse_non_admin

__all__ = ["SOURCE_COMMANDS", "on_document"]

OPML_TYPES = {"text/x-opml", "text/x-opml+xml", "application/xml", "text/xml"}


async def cmd_addsource(update: Update, context: NewsContext) -> None:
    url = argument(update)
    if not url:
        await context.reply(update, replies.ADDSOURCE_HOW)
        return
    if await refuse_non_admin(update, context):
        return
    services, who = context.services, caller(update)
    found = await sources.find_feed(services.fetcher, url, services.settings)
    if found.feed_url is None or not found.found:
        reason = (found.reason or "no feed found")[:300]
        await context.reply(update, replies.done(replies.NO_FEED, reason))
        return
    feed_url, title, newest = found.feed_url, found.title, sources.preview_of(found)
    now = services.clock.now()
    try:
        added = await context.db(
            lambda s: sources.add_source(s, who, feed_url, title, now, services.settings, newest)
        )
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    keyboard = replies.undo_keyboard(added.source.feed_id) if added.created else ()
    await context.reply(update, replies.source_added(added), keyboard)


async def cmd_sources(update: Update, context: NewsContext) -> None:
    chat_id = caller(update).chat_id
    views = await context.db(lambda s: sources.list_sources(s, chat_id))
    most = context.services.settings.sources.max_per_chat
    for text in replies.sources_list(views, most):
        await context.reply(update, text)


async def cmd_removesource(update: Update, context: NewsContext) -> None:
    key = argument(update)
    if not key:
        await context.reply(update, replies.REMOVESOURCE_HOW)
        return
    if await refuse_non_admin(update, context):
        return
    services, who = context.services, caller(update)
    now = services.clock.now()
    removed = await context.db(lambda s: sources.remove_source(s, who, key, now, services.settings))
    await context.reply(update, replies.removed_source(removed, key))


async def cmd_export(update: Update, context: NewsContext) -> None:
    chat_id, now = caller(update).chat_id, context.services.clock.now()
    views = await context.db(lambda s: sources.list_sources(s, chat_id))
    if not views:
        await context.reply(update, replies.NO_SOURCES)
        return
    data = await context.db(lambda s: sources.sources_opml(s, chat_id, now))
    await context.document(update, data, "newsbot-sources.opml", replies.EXPORT_CAPTION)


def _is_opml(name: str, mime: str | None) -> bool:
    return name.lower().endswith((".opml", ".xml")) or (mime or "").lower() in OPML_TYPES


async def on_document(update: Update, context: NewsContext) -> None:
    """A file sent to the bot: an OPML list becomes the chat's sources (with a report). In a
    group, other files are none of our business; in private, the user hears what we take."""
    message, chat = update.effective_message, update.effective_chat
    if message is None or message.document is None or chat is None:
        return
    document = message.document
    if not _is_opml(document.file_name or "", document.mime_type):
        if chat.type == ChatType.PRIVATE:
            await context.reply(update, replies.OPML_HOW)
        return
    if await refuse_non_admin(update, context):
        return
    data = await context.download(document.file_id, feedlists.MAX_OPML_BYTES)
    if data is None:
        await context.reply(update, replies.OPML_TOO_BIG)
        return
    services, who = context.services, caller(update)
    try:
        report = await feedlists.import_for_chat(
            context.db, services.fetcher, who, data, services.clock.now(), services.settings
        )
    except InputError as exc:
        await context.reply(update, replies.problem(str(exc)))
        return
    await context.reply(update, replies.imported(report))


SOURCE_COMMANDS: dict[str, Handler] = {
    "addsource": cmd_addsource,
    "sources": cmd_sources,
    "removesource": cmd_removesource,
    "export": cmd_export,
}
