"""Chat commands: translate Telegram updates into calls on the chat services, and answers back.

Each handler reads its arguments, does its database work in a worker thread (one unit of work,
through `bot.chats` where there is one), and replies in HTML with everything escaped. Anything a
user can type gets an answer: a refusal says what was wrong and shows an example.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from html import escape
from typing import Any, TypeVar, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from telegram.constants import ChatMemberStatus, ChatType, ParseMode
from telegram.ext import ContextTypes

import summarizer
from bot.alerts import recent_matches
from bot.chats import (
    ChatError,
    ensure_chat,
    number,
    set_digest_time,
    set_quiet_hours,
    set_timezone,
    split_options,
    subscribe,
    unsubscribe,
)
from bot.digest import queue_digest
from bot.extract import ExtractionError, extract_html
from bot.fetch import Fetcher
from bot.match import QueryError, parse_query
from bot.parse import FeedParseError, parse_feed
from bot.render import DigestItem, render_digest
from bot.services import Services
from bot.store import (
    Alert,
    Article,
    Chat,
    Feed,
    Outbox,
    OutboxStatus,
    SourceMute,
    Story,
    Subscription,
)
from bot.telegram.commands import help_text

__all__ = ["CALLBACKS", "HANDLERS", "on_error", "on_text", "on_unknown"]

log = logging.getLogger(__name__)
T = TypeVar("T")
Context = ContextTypes.DEFAULT_TYPE
NO_PREVIEW = LinkPreviewOptions(is_disabled=True)

INTRO = (
    "👋 <b>I watch the news for you.</b>\n\n"
    "Tell me what to look for and I'll send every new story that matches, summarized in a few "
    "sentences, and never the same story twice, however many outlets carry it. Every day you "
    "also get a digest at {time} ({zone}).\n\n"
    "Start with: <code>/subscribe ceasefire</code>\n"
    "Change the digest time: <code>/digesttime 07:30</code> · time zone: "
    "<code>/timezone Europe/Berlin</code>\n"
    "All commands: /help"
)


# --- plumbing -------------------------------------------------------------------------------


def services_of(context: Context) -> Services:
    return cast(Services, context.application.bot_data["services"])


async def in_db(context: Context, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction, off the event loop."""
    services = services_of(context)

    def run() -> T:
        with services.db.session() as session:
            return work(session)

    return await asyncio.to_thread(run)


def argument(update: Update) -> str:
    """Everything after the command word, as typed (quotes and spacing kept)."""
    message = update.effective_message
    text = (message.text or message.caption or "") if message else ""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


def echo(text: str, limit: int = 60) -> str:
    """User text quoted back, escaped and cut short: a reply must never exceed Telegram's
    limit because someone typed four thousand characters."""
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
    message = update.effective_message
    assert message is not None
    return await message.reply_text(
        text, parse_mode=ParseMode.HTML, link_preview_options=NO_PREVIEW, reply_markup=markup
    )


def is_operator(update: Update, context: Context) -> bool:
    admins = set(services_of(context).settings.admins)
    user, chat = update.effective_user, update.effective_chat
    return bool((user and user.id in admins) or (chat and chat.id in admins))


async def may_change(update: Update, context: Context) -> bool:
    """In groups only administrators change subscriptions and settings; in private, the user."""
    chat, user, message = update.effective_chat, update.effective_user, update.effective_message
    if chat is None or chat.type in (ChatType.PRIVATE,):
        return True
    if message is not None and message.sender_chat is not None:
        return message.sender_chat.id == chat.id  # an anonymous administrator of this group
    if user is None:
        return False
    member = await context.bot.get_chat_member(chat.id, user.id)
    return member.status in (ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR)


async def refuse_non_admin(update: Update, context: Context) -> bool:
    if await may_change(update, context):
        return False
    await reply(update, "Only this group's administrators can change its alerts and settings.")
    return True


def chat_row(session: Session, update: Update, context: Context) -> Chat:
    chat = update.effective_chat
    assert chat is not None
    services = services_of(context)
    return ensure_chat(
        session,
        chat.id,
        services.clock.now(),
        services.settings,
        type_=chat.type,
        title=chat.title or chat.full_name,
    )


# --- everyone's commands --------------------------------------------------------------------


async def cmd_start(update: Update, context: Context) -> None:
    def work(session: Session) -> tuple[str, str]:
        chat = chat_row(session, update, context)
        return chat.digest_time, chat.timezone

    time, zone = await in_db(context, work)
    await reply(update, INTRO.format(time=escape(time), zone=escape(zone)))


async def cmd_help(update: Update, context: Context) -> None:
    await reply(update, help_text(operator=is_operator(update, context)))


def _story_lines(stories: list[Story]) -> list[str]:
    lines = []
    for story in stories:
        title = escape(story.title[:200])
        if story.url.startswith(("http://", "https://")):
            title = f'<a href="{escape(story.url, quote=True)}">{title}</a>'
        lines.append(f"• {title} <i>({story.created_at:%d %b %H:%M} UTC)</i>")
    return lines


def _thread_of(update: Update) -> int | None:
    """In a forum supergroup, the topic the command was sent from (alerts go there)."""
    message = update.effective_message
    if message is not None and message.is_topic_message and message.message_thread_id:
        return message.message_thread_id
    return None


async def cmd_subscribe(update: Update, context: Context) -> None:
    text = argument(update)
    if not text:
        await reply(
            update,
            "Tell me what to watch for, for example:\n<code>/subscribe ceasefire</code>\n"
            '<code>/subscribe "peace plan" OR truce -olympics</code>\n'
            "<code>/subscribe ceasefire --min-sources 2 --daily</code>",
        )
        return
    if await refuse_non_admin(update, context):
        return
    services = services_of(context)
    now = services.clock.now()
    thread = _thread_of(update)

    def work(session: Session) -> str:
        chat = chat_row(session, update, context)
        result = subscribe(session, chat, text, now, services.settings, thread_id=thread)
        understood = escape(result.query.describe())
        options = result.options.describe()
        head = "✅ Watching" if result.created else "✅ Updated"
        lines = [f"{head}: {understood}" + (f" ({escape(options)})" if options else "")]
        if thread is not None:
            lines.append("Alerts for it come to this topic.")
        count, newest = recent_matches(session, result.query, now - timedelta(days=7))
        if newest:
            lines += ["", f"It matched {count} stories in the last 7 days; the newest:"]
            lines += _story_lines(newest)
        else:
            lines.append("Nothing in the last 7 days matches it yet; you'll hear when it does.")
        return "\n".join(lines)

    try:
        answer = await in_db(context, work)
    except (QueryError, ChatError) as exc:
        answer = f"⚠️ {escape(str(exc))}"
    await reply(update, answer)


async def cmd_test(update: Update, context: Context) -> None:
    text = argument(update)
    if not text:
        await reply(update, "Try a query before saving it: <code>/test ceasefire -olympics</code>")
        return
    services = services_of(context)
    limits = services.settings.limits
    try:
        query = parse_query(
            split_options(text)[0],
            max_length=limits.max_query_length,
            max_terms=limits.max_query_terms,
        )
    except (QueryError, ChatError) as exc:
        await reply(update, f"⚠️ {escape(str(exc))}")
        return
    since = services.clock.now() - timedelta(days=7)
    count, newest = await in_db(context, lambda s: recent_matches(s, query, since))
    lines = [f"🔎 Understood as: {escape(query.describe())}", ""]
    lines.append(f"It would have matched {count} stories in the last 7 days.")
    lines += _story_lines(newest)
    lines += ["", "Nothing was saved. /subscribe it to get alerts."]
    await reply(update, "\n".join(lines))


async def cmd_quiet(update: Update, context: Context) -> None:
    text = argument(update)
    if not text:
        await reply(
            update,
            "When should I keep quiet? <code>/quiet 22:00-07:00</code> (your local time), "
            "or <code>/quiet off</code>. Alerts arriving then come in one message afterwards.",
        )
        return
    await _chat_setting(
        update,
        context,
        lambda chat, _now: set_quiet_hours(chat, text),
        "🌙 Quiet hours: {value}.",
    )


async def cmd_status(update: Update, context: Context) -> None:
    services = services_of(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    since = services.clock.now() - timedelta(days=7)
    await reply(update, await in_db(context, lambda s: _status_text(s, chat_id, since)))


def _status_text(session: Session, chat_id: int, since: Any) -> str:
    """Each source of this chat's alerts: last fetch, health, and how fast its news reached
    the chat (publication to alert sent, median)."""
    rows = session.execute(
        select(Feed, Article.published_at, Outbox.sent_at)
        .join(Article, Article.feed_id == Feed.id)
        .join(Alert, Alert.story_id == Article.story_id)
        .outerjoin(
            Outbox,
            (Outbox.story_id == Alert.story_id)
            & (Outbox.chat_id == Alert.chat_id)
            & (Outbox.kind == "alert"),
        )
        .where(Alert.chat_id == chat_id, Alert.created_at >= since)
    ).all()
    if not rows:
        return "No alerts in the last 7 days, so no sources to report yet."
    delays: dict[int, list[float]] = {}
    feeds: dict[int, Feed] = {}
    for feed, published, sent in rows:
        feeds[feed.id] = feed
        if published is not None and sent is not None and sent >= published:
            delays.setdefault(feed.id, []).append((sent - published).total_seconds())
    lines = ["<b>Where your alerts come from</b> (last 7 days)"]
    for feed_id, feed in sorted(feeds.items()):
        health = "✅ ok" if feed.failures == 0 else f"⚠️ failing ({feed.failures} in a row)"
        fetched = f"{feed.last_polled_at:%d %b %H:%M} UTC" if feed.last_polled_at else "never"
        waits = sorted(delays.get(feed_id, []))
        median = f"{waits[len(waits) // 2] / 60:.0f} min" if waits else "n/a"
        lines.append(
            f"• {escape(feed.display_name)}: {health}, fetched {fetched}, "
            f"median delay to alert {median}"
        )
    return "\n".join(lines)


def _subscriptions(session: Session, chat_id: int) -> list[Subscription]:
    return list(
        session.scalars(
            select(Subscription).where(Subscription.chat_id == chat_id).order_by(Subscription.id)
        )
    )


async def cmd_unsubscribe(update: Update, context: Context) -> None:
    key = argument(update)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    if not key:
        subs = await in_db(context, lambda s: [(x.id, x.query) for x in _subscriptions(s, chat_id)])
        if not subs:
            await reply(update, "This chat has no queries. Add one with /subscribe.")
            return
        buttons = [
            [InlineKeyboardButton(f"🗑 {q[:60]}", callback_data=f"unsub:{i}")] for i, q in subs
        ]
        await reply(update, "Which query should I stop?", InlineKeyboardMarkup(buttons))
        return
    if await refuse_non_admin(update, context):
        return

    def work(session: Session) -> str | None:
        return unsubscribe(session, chat_row(session, update, context), key)

    removed = await in_db(context, work)
    if removed is None:
        await reply(update, f"No query {echo(key)} here. /list shows them with their numbers.")
    else:
        await reply(update, f"Stopped: <code>{escape(removed)}</code>")


def _settings_text(chat: Chat, subs: list[Subscription], now: Any) -> str:
    lines = ["<b>Your queries</b>"]
    if not subs:
        lines.append("none yet: /subscribe ceasefire")
    for n, sub in enumerate(subs, 1):
        extra = []
        if sub.frequency != "instant":
            extra.append(sub.frequency)
        if sub.min_sources > 1:
            extra.append(f"≥{sub.min_sources} sources")
        if sub.thread_id is not None:
            extra.append(f"topic {sub.thread_id}")
        if sub.muted_until and sub.muted_until > now:
            extra.append(f"🔕 muted until {sub.muted_until:%Y-%m-%d %H:%M} UTC")
        details = f" ({', '.join(extra)})" if extra else ""
        lines.append(f"{n}. <code>{escape(sub.query)}</code>{details}")
    mode = "instant" if chat.alerts_mode == "instant" else "digest only"
    lines += [
        "",
        "<b>Settings</b>",
        f"Alerts: {mode}{' (paused)' if chat.alerts_paused else ''}",
        f"Digest: {'on' if chat.digest_enabled else 'off'}, daily at {chat.digest_time} "
        f"({escape(chat.timezone)})",
        f"Summary length: {chat.summary_sentences} sentences",
        "Quiet hours: " + (f"{chat.quiet_start}-{chat.quiet_end}" if chat.quiet_start else "off"),
    ]
    return "\n".join(lines)


async def cmd_list(update: Update, context: Context) -> None:
    now = services_of(context).clock.now()

    def work(session: Session) -> str:
        chat = chat_row(session, update, context)
        return _settings_text(chat, _subscriptions(session, chat.id), now)

    await reply(update, await in_db(context, work))


async def cmd_digest(update: Update, context: Context) -> None:
    services = services_of(context)

    def work(session: Session) -> int:
        chat = chat_row(session, update, context)
        return queue_digest(session, chat, services.clock.now(), services.settings.digest)

    await in_db(context, work)
    await services.outbox.run_once()


async def _chat_setting(
    update: Update, context: Context, change: Callable[[Chat, Any], str], done: str
) -> None:
    if await refuse_non_admin(update, context):
        return
    now = services_of(context).clock.now()

    def work(session: Session) -> str:
        return change(chat_row(session, update, context), now)

    try:
        value = await in_db(context, work)
    except ChatError as exc:
        await reply(update, f"⚠️ {escape(str(exc))}")
        return
    await reply(update, done.format(value=escape(value)))


async def cmd_digesttime(update: Update, context: Context) -> None:
    text = argument(update)
    if not text:
        await reply(
            update, "When should the digest come? For example <code>/digesttime 07:30</code>"
        )
        return
    await _chat_setting(
        update,
        context,
        lambda chat, now: set_digest_time(chat, text, now),
        "🗞 Your daily digest now comes at {value}.",
    )


async def cmd_timezone(update: Update, context: Context) -> None:
    text = argument(update)
    if not text:
        await reply(
            update,
            "Which time zone? For example <code>/timezone Europe/Kyiv</code> or "
            "<code>/timezone +2</code>",
        )
        return
    await _chat_setting(
        update,
        context,
        lambda chat, now: set_timezone(chat, text, now),
        "🕰 Time zone set to {value}.",
    )


def _pause(paused: bool) -> Callable[[Chat, Any], str]:
    def change(chat: Chat, _now: Any) -> str:
        chat.alerts_paused = paused
        return "paused" if paused else "on"

    return change


async def cmd_pause(update: Update, context: Context) -> None:
    await _chat_setting(
        update,
        context,
        _pause(True),
        "⏸ Alerts paused. Matches still go into your digest. /resume turns alerts back on.",
    )


async def cmd_resume(update: Update, context: Context) -> None:
    await _chat_setting(update, context, _pause(False), "▶️ Alerts are on again.")


def settings_keyboard(chat: Chat) -> InlineKeyboardMarkup:
    def mark(on: bool, label: str) -> str:
        return f"✓ {label}" if on else label

    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    mark(chat.alerts_mode == "instant", "Alerts instant"),
                    callback_data="set:mode:instant",
                ),
                InlineKeyboardButton(
                    mark(chat.alerts_mode == "digest", "Digest only"),
                    callback_data="set:mode:digest",
                ),
            ],
            [
                InlineKeyboardButton(
                    mark(chat.summary_sentences == n, f"{n} sentences"),
                    callback_data=f"set:len:{n}",
                )
                for n in (1, 3, 5)
            ],
            [
                InlineKeyboardButton(
                    mark(chat.digest_enabled, "Digest on"), callback_data="set:digest:on"
                ),
                InlineKeyboardButton(
                    mark(not chat.digest_enabled, "Digest off"), callback_data="set:digest:off"
                ),
            ],
        ]
    )


async def cmd_settings(update: Update, context: Context) -> None:
    now = services_of(context).clock.now()

    def work(session: Session) -> tuple[str, InlineKeyboardMarkup]:
        chat = chat_row(session, update, context)
        return _settings_text(chat, _subscriptions(session, chat.id), now), settings_keyboard(chat)

    text, keyboard = await in_db(context, work)
    await reply(update, text, keyboard)


async def cmd_latest(update: Update, context: Context) -> None:
    services = services_of(context)
    wanted = number(argument(update) or "5")
    if wanted is None or not 1 <= wanted <= services.settings.telegram.latest_max:
        await reply(
            update,
            f"How many? A number from 1 to {services.settings.telegram.latest_max}, "
            "for example <code>/latest 5</code>",
        )
        return

    def work(session: Session) -> list[DigestItem]:
        stories = session.scalars(
            select(Story).order_by(Story.created_at.desc(), Story.id.desc()).limit(wanted)
        ).all()
        items = []
        for story in stories:
            sources = list(dict.fromkeys(a.source for a in story.articles))
            items.append(DigestItem(story.title, story.url, story.summary, sources))
        return items

    items = await in_db(context, work)
    if not items:
        await reply(update, "No stories yet: the feeds have not brought anything in.")
        return
    for message in render_digest(
        [("Latest stories", items)], when=services.clock.now(), title="Latest stories"
    ):
        await reply(update, message.text)


async def cmd_summary(update: Update, context: Context) -> None:
    url = argument(update)
    if not url:
        await reply(
            update, "Send a link, for example <code>/summary https://example.com/news/1</code>"
        )
        return
    services = services_of(context)
    pages: Fetcher = context.application.bot_data["pages"]
    options = services.settings.telegram
    result = await pages.fetch_public(url, allow_private=options.allow_private_urls)
    if not result.ok:
        await reply(update, f"⚠️ I can't summarize that link: {escape(result.error or 'no page')}")
        return
    try:
        article = await asyncio.to_thread(extract_html, result.body or b"", result.url)
    except ExtractionError:
        await reply(update, "⚠️ I found no article text on that page.")
        return
    sentences = await asyncio.to_thread(
        summarizer.summarize,
        article.text,
        services.settings.summary.sentences,
        article.language,
        method=services.settings.summary.method,
        title=article.title,
    )
    title = escape(article.title or result.url)
    link = escape(result.url, quote=True)
    body = "\n".join(escape(s) for s in sentences) or "(the page is too short to summarize)"
    await reply(update, f'<b><a href="{link}">{title}</a></b>\n\n{body}')


async def cmd_stop(update: Update, context: Context) -> None:
    if await refuse_non_admin(update, context):
        return
    keyboard = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Yes, forget this chat", callback_data="stop:yes"),
                InlineKeyboardButton("No, keep it", callback_data="stop:no"),
            ]
        ]
    )
    await reply(update, "Forget this chat, its queries and settings?", keyboard)


# --- operator commands ----------------------------------------------------------------------


async def refuse_non_operator(update: Update, context: Context) -> bool:
    if is_operator(update, context):
        return False
    await reply(update, "Sorry, that command is for the bot's operators.")
    return True


async def cmd_feeds(update: Update, context: Context) -> None:
    if await refuse_non_operator(update, context):
        return

    def work(session: Session) -> str:
        lines = ["<b>Feeds</b>"]
        for feed in session.scalars(select(Feed).order_by(Feed.id)):
            state = "✅" if feed.active and not feed.failures else ("⚠️" if feed.active else "⏹")
            detail = (
                f" — {feed.failures} failures: {escape(feed.last_error or '')[:80]}"
                if feed.failures
                else ""
            )
            lines.append(f"{state} {feed.id}. {escape(feed.display_name)}{detail}")
        return "\n".join(lines)

    await reply(update, await in_db(context, work))


async def cmd_addfeed(update: Update, context: Context) -> None:
    if await refuse_non_operator(update, context):
        return
    url = argument(update)
    if not url.startswith(("http://", "https://")):
        await reply(
            update, "Give the feed's address: <code>/addfeed https://example.com/rss</code>"
        )
        return
    services = services_of(context)
    result = await services.fetcher.fetch(url)
    if not result.ok:
        await reply(update, f"⚠️ Not added: {escape(result.error or 'no answer')}")
        return
    try:
        parsed = await asyncio.to_thread(parse_feed, result.body or b"", url=result.url)
    except FeedParseError as exc:
        await reply(
            update, f"⚠️ Not added: that is not a feed I can read ({escape(str(exc))[:200]})"
        )
        return
    now = services.clock.now()

    def work(session: Session) -> str:
        feed = session.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = Feed(url=url, name=(parsed.title or url)[:200], created_at=now, next_poll_at=now)
            session.add(feed)
        feed.active = True
        session.flush()
        name, entries = escape(feed.display_name), len(parsed.entries)
        return f"✅ Added feed {feed.id}: {name} ({entries} entries now)"

    await reply(update, await in_db(context, work))


async def cmd_removefeed(update: Update, context: Context) -> None:
    if await refuse_non_operator(update, context):
        return
    key = argument(update)
    if not key:
        await reply(update, "Which feed? <code>/removefeed 3</code> (numbers from /feeds)")
        return

    def work(session: Session) -> str:
        feed_id = number(key)
        feed = (
            session.get(Feed, feed_id)
            if feed_id is not None
            else session.scalar(select(Feed).where(Feed.url == key))
        )
        if feed is None:
            return f"No feed {echo(key)}. /feeds lists them."
        feed.active = False
        return f"⏹ Stopped polling {escape(feed.display_name)}. Its stories stay."

    await reply(update, await in_db(context, work))


async def cmd_stats(update: Update, context: Context) -> None:
    if await refuse_non_operator(update, context):
        return
    services = services_of(context)
    since = services.clock.now() - timedelta(days=1)

    def work(session: Session) -> str:
        def count(stmt: Any) -> int:
            return int(session.scalar(stmt) or 0)

        feeds = count(select(func.count(Feed.id)).where(Feed.active.is_(True)))
        failing = count(select(func.count(Feed.id)).where(Feed.active.is_(True), Feed.failures > 0))
        stories = count(select(func.count(Story.id)))
        today = count(select(func.count(Story.id)).where(Story.created_at > since))
        articles = count(select(func.count(Article.id)))
        chats = count(select(func.count(Chat.id)).where(Chat.active.is_(True)))
        subs = count(select(func.count(Subscription.id)))

        def outbox(status: str) -> int:
            return count(select(func.count(Outbox.id)).where(Outbox.status == status))

        return (
            "<b>Stats</b>\n"
            f"Feeds: {feeds} active, {failing} failing\n"
            f"Stories: {stories} ({today} in 24 h) from {articles} articles\n"
            f"Chats: {chats} active, {subs} queries\n"
            f"Queue: {outbox(OutboxStatus.PENDING)} pending, {outbox(OutboxStatus.SENT)} sent, "
            f"{outbox(OutboxStatus.FAILED)} failed, "
            f"{outbox(OutboxStatus.UNDELIVERABLE)} undeliverable"
        )

    await reply(update, await in_db(context, work))


# --- buttons --------------------------------------------------------------------------------


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    data = query.data or ""
    chat_id = query.message.chat.id
    if not await may_change(update, context):
        await query.answer("Only this group's administrators can do that.", show_alert=True)
        return
    services = services_of(context)
    now = services.clock.now()
    kind, _, rest = data.partition(":")

    if kind == "unsub" and number(rest) is not None:

        def drop(session: Session) -> str | None:
            sub = session.get(Subscription, number(rest))
            if sub is None or sub.chat_id != chat_id:
                return None
            session.delete(sub)
            return sub.query

        removed = await in_db(context, drop)
        await query.answer("Stopped." if removed else "That query is already gone.")
        if removed:
            await context.bot.send_message(
                chat_id, f"Stopped: <code>{escape(removed)}</code>", parse_mode=ParseMode.HTML
            )
        return

    if kind == "msrc":
        feed_id, _, span = rest.partition(":")
        days = {"1d": 1, "7d": 7}.get(span)
        if number(feed_id) is None or days is None:
            await query.answer("I don't know that button.")
            return

        span_days: int = days

        def mute_source(session: Session) -> str | None:
            feed = session.get(Feed, number(feed_id))
            if feed is None:
                return None
            mute = session.scalar(
                select(SourceMute).where(
                    SourceMute.chat_id == chat_id, SourceMute.feed_id == feed.id
                )
            ) or SourceMute(chat_id=chat_id, feed_id=feed.id, until=now)
            mute.until = now + timedelta(days=span_days)
            session.add(mute)
            return feed.display_name

        source = await in_db(context, mute_source)
        await query.answer(
            f"No stories first reported by {source} for {days} day(s)." if source else "Gone."
        )
        return

    if kind == "mute":
        sub_id, _, span = rest.partition(":")
        days = {"1d": 1, "7d": 7}.get(span)
        if number(sub_id) is None or days is None:
            await query.answer("I don't know that button.")
            return

        def mute(session: Session) -> str | None:
            sub = session.get(Subscription, number(sub_id))
            if sub is None or sub.chat_id != chat_id:
                return None
            sub.muted_until = now + timedelta(days=days)
            return sub.query

        muted = await in_db(context, mute)
        await query.answer(f"Muted for {days} day(s)." if muted else "That query is gone.")
        return

    if kind == "set":

        def change(session: Session) -> tuple[str, InlineKeyboardMarkup] | None:
            chat = session.get(Chat, chat_id)
            if chat is None:
                return None
            field, _, value = rest.partition(":")
            if field == "mode" and value in {"instant", "digest"}:
                chat.alerts_mode = value
            elif field == "len" and value in {"1", "3", "5"}:
                chat.summary_sentences = int(value)
            elif field == "digest" and value in {"on", "off"}:
                chat.digest_enabled = value == "on"
            else:
                return None
            return _settings_text(chat, _subscriptions(session, chat.id), now), settings_keyboard(
                chat
            )

        changed = await in_db(context, change)
        await query.answer("Saved." if changed else "I don't know that button.")
        if changed:
            await query.edit_message_text(
                changed[0], parse_mode=ParseMode.HTML, reply_markup=changed[1]
            )
        return

    if kind == "stop":
        if rest == "yes":

            def forget(session: Session) -> None:
                chat = session.get(Chat, chat_id)
                if chat is not None:
                    session.delete(chat)

            await in_db(context, forget)
            await query.answer("Forgotten.")
            await query.edit_message_text("Done: I forgot this chat. /start brings me back.")
        else:
            await query.answer("Kept.")
            await query.edit_message_text("OK, nothing changed.")
        return

    await query.answer("I don't know that button.")


# --- everything else ------------------------------------------------------------------------


async def on_unknown(update: Update, context: Context) -> None:
    message = update.effective_message
    chat = update.effective_chat
    if message is None or chat is None or not message.text:
        return
    word = message.text.split(maxsplit=1)[0]
    command, _, target = word.partition("@")
    if chat.type != ChatType.PRIVATE and target.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in the group
    await reply(update, f"I don't know {echo(command)}. /help lists what I can do.")


async def on_text(update: Update, context: Context) -> None:
    """Plain messages in a private chat get a hint; in groups they are none of our business."""
    chat = update.effective_chat
    if chat is not None and chat.type == ChatType.PRIVATE:
        await reply(
            update,
            "Send me a command, for example <code>/subscribe ceasefire</code>. "
            "/help lists them all.",
        )


async def on_error(update: object, context: Context) -> None:
    log.error(
        "handler failed for update %s", getattr(update, "update_id", "?"), exc_info=context.error
    )
    if isinstance(update, Update) and update.effective_message is not None:
        try:
            await update.effective_message.reply_text(
                "Sorry, something went wrong on my side. Please try again in a moment."
            )
        except Exception:  # the apology is best effort; the error is already logged
            log.warning("could not tell chat about the error", exc_info=True)


HANDLERS: dict[str, Callable[[Update, Context], Any]] = {
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
    "feeds": cmd_feeds,
    "addfeed": cmd_addfeed,
    "removefeed": cmd_removefeed,
    "stats": cmd_stats,
}
CALLBACKS = on_button
