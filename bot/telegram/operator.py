"""The operators' commands (/feeds, /addfeed, /removefeed, /stats): ids listed in `admins`.

Anyone else gets a polite refusal; the commands are not in anyone else's /help or menu.
"""

from __future__ import annotations

from telegram import Update

from bot.chat import operator, replies
from bot.errors import FeedParseError, FetchError
from bot.telegram.context import NewsContext, argument
from bot.telegram.handlers import Handler, is_operator

__all__ = ["OPERATOR_COMMANDS"]


async def refuse_non_operator(update: Update, context: NewsContext) -> bool:
    if is_operator(update, context):
        return False
    await context.reply(update, replies.NOT_OPERATOR)
    return True


async def cmd_feeds(update: Update, context: NewsContext) -> None:
    if await refuse_non_operator(update, context):
        return
    public = await context.db(lambda s: operator.list_feeds(s, public_only=True))
    await context.reply(update, replies.feeds(public))


async def cmd_addfeed(update: Update, context: NewsContext) -> None:
    if await refuse_non_operator(update, context):
        return
    url = argument(update)
    if not url.startswith(("http://", "https://")):
        await context.reply(update, replies.ADDFEED_HOW)
        return
    services = context.services
    try:
        parsed = await operator.probe_feed(services.fetcher, url)
    except FetchError as exc:
        await context.reply(update, replies.feed_refused(str(exc)))
        return
    except FeedParseError as exc:
        await context.reply(update, replies.not_a_feed(str(exc)))
        return
    now = services.clock.now()
    added = await context.db(lambda s: operator.add_feed(s, url, parsed, now))
    await context.reply(update, replies.added_feed(added))


async def cmd_removefeed(update: Update, context: NewsContext) -> None:
    if await refuse_non_operator(update, context):
        return
    key = argument(update)
    if not key:
        await context.reply(update, replies.REMOVEFEED_HOW)
        return
    removed = await context.db(lambda s: operator.remove_feed(s, key))
    await context.reply(update, replies.removed_feed(removed, key))


async def cmd_stats(update: Update, context: NewsContext) -> None:
    if await refuse_non_operator(update, context):
        return
    now = context.services.clock.now()
    await context.reply(update, replies.stats(await context.db(lambda s: operator.stats(s, now))))


OPERATOR_COMMANDS: dict[str, Handler] = {
    "feeds": cmd_feeds,
    "addfeed": cmd_addfeed,
    "removefeed": cmd_removefeed,
    "stats": cmd_stats,
}
