"""What the bot answers in a chat, as Telegram HTML: every user-given string escaped, and
keyboards as plain rows of (label, callback data) for the adapter to turn into buttons.

Pure functions over the values the chat services return; nothing here reads or writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from bot.chat.feedlists import ImportReport
from bot.chat.input import Options
from bot.chat.operator import FeedView, Stats
from bot.chat.prefs import SUMMARY_LENGTHS, ChatSettings
from bot.chat.reports import LinkSummary, Overview, SourceStatus
from bot.chat.sources import Added, PreviewItem, SourceView
from bot.chat.subscriptions import BACKFILL_DAYS, Backfill, QueryView, StoryLine, Subscribed
from bot.render import DigestItem, duration, render_digest
from bot.store import OutboxStatus

__all__ = [
    "Keyboard",
    "added_feed",
    "echo",
    "feeds",
    "imported",
    "intro",
    "link_summary",
    "overview",
    "problem",
    "settings_keyboard",
    "source_added",
    "source_status",
    "sources_list",
    "stats",
    "stop_keyboard",
    "subscribed",
    "tried",
    "unsubscribe_keyboard",
]

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)

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
SUBSCRIBE_HOW = (
    "Tell me what to watch for, for example:\n<code>/subscribe ceasefire</code>\n"
    '<code>/subscribe "peace plan" OR truce -olympics</code>\n'
    "<code>/subscribe ceasefire --min-sources 2 --daily</code>"
)
TEST_HOW = "Try a query before saving it: <code>/test ceasefire -olympics</code>"
QUIET_HOW = (
    "When should I keep quiet? <code>/quiet 22:00-07:00</code> (your local time), "
    "or <code>/quiet off</code>. Alerts arriving then come in one message afterwards."
)
DIGESTTIME_HOW = "When should the digest come? For example <code>/digesttime 07:30</code>"
TIMEZONE_HOW = (
    "Which time zone? For example <code>/timezone Europe/Kyiv</code> or <code>/timezone +2</code>"
)
SUMMARY_HOW = "Send a link, for example <code>/summary https://example.com/news/1</code>"
ADDFEED_HOW = "Give the feed's address: <code>/addfeed https://example.com/rss</code>"
REMOVEFEED_HOW = "Which feed? <code>/removefeed 3</code> (numbers from /feeds)"
TEXT_HINT = (
    "Send me a command, for example <code>/subscribe ceasefire</code>. /help lists them all."
)
NOT_ADMIN = "Only this group's administrators can change its alerts and settings."
NOT_OPERATOR = "Sorry, that command is for the bot's operators."
SORRY = "Sorry, something went wrong on my side. Please try again in a moment."
NO_QUERIES = "This chat has no queries. Add one with /subscribe."
WHICH_QUERY = "Which query should I stop?"
NO_STORIES = "No stories yet: the feeds have not brought anything in."
STOP_ASK = "Forget this chat, its queries and settings?"
STOPPED_CHAT = "Done: I forgot this chat. /start brings me back."
KEPT_CHAT = "OK, nothing changed."
PAUSED = "⏸ Alerts paused. Matches still go into your digest. /resume turns alerts back on."
RESUMED = "▶️ Alerts are on again."
QUIET_SET = "🌙 Quiet hours: {value}."
DIGESTTIME_SET = "🗞 Your daily digest now comes at {value}."
TIMEZONE_SET = "🕰 Time zone set to {value}."


def echo(text: str, limit: int = 60) -> str:
    """User text quoted back, escaped and cut short: a reply must never exceed Telegram's
    limit because someone typed four thousand characters."""
    text = " ".join(text.split())
    return escape(text if len(text) <= limit else text[: limit - 1] + "…")


def done(template: str, value: str) -> str:
    """A confirmation such as TIMEZONE_SET with the value now in force."""
    return template.format(value=escape(value))


def problem(message: str) -> str:
    """A refusal whose message is for the user (an InputError's text)."""
    return f"⚠️ {escape(message)}"


def intro(settings: ChatSettings) -> str:
    return INTRO.format(time=escape(settings.digest_time), zone=escape(settings.timezone))


def latest_how(most: int) -> str:
    return f"How many? A number from 1 to {most}, for example <code>/latest 5</code>"


def _story_lines(stories: Sequence[StoryLine | PreviewItem]) -> list[str]:
    lines = []
    for story in stories:
        title = escape(story.title[:200])
        if story.url.startswith(("http://", "https://")):
            title = f'<a href="{escape(story.url, quote=True)}">{title}</a>'
        when = story.created_at if isinstance(story, StoryLine) else story.published
        lines.append(f"• {title}" + (f" <i>({when:%d %b %H:%M} UTC)</i>" if when else ""))
    return lines


def _options(options: Options) -> str:
    described = options.describe()
    return f" ({escape(described)})" if described else ""


def subscribed(result: Subscribed) -> str:
    head = "✅ Watching" if result.created else "✅ Updated"
    lines = [f"{head}: {escape(result.query.describe())}{_options(result.options)}"]
    if result.thread_id is not None:
        lines.append("Alerts for it come to this topic.")
    if result.destination is not None:
        lines.append(f"Its alerts and digest go to <b>{escape(result.destination)}</b>.")
    recent = result.backfill
    if recent is not None and recent.newest:
        lines += [
            "",
            f"It matched {recent.count} stories in the last {BACKFILL_DAYS} days; the newest:",
        ]
        lines += _story_lines(recent.newest)
    else:
        lines.append(
            f"Nothing in the last {BACKFILL_DAYS} days matches it yet; you'll hear when it does."
        )
    return "\n".join(lines)


def tried(result: Subscribed) -> str:
    recent = result.backfill or Backfill(0, ())
    lines = [f"🔎 Understood as: {escape(result.query.describe())}", ""]
    lines.append(f"It would have matched {recent.count} stories in the last {BACKFILL_DAYS} days.")
    lines += _story_lines(recent.newest)
    lines += ["", "Nothing was saved. /subscribe it to get alerts."]
    return "\n".join(lines)


def unsubscribe_keyboard(queries: Sequence[QueryView]) -> Keyboard:
    return tuple(((f"🗑 {q.query[:60]}", f"unsub:{q.subscription_id}"),) for q in queries)


def no_query(key: str) -> str:
    return f"No query {echo(key)} here. /list shows them with their numbers."


def stopped_query(query: str) -> str:
    return f"Stopped: <code>{escape(query)}</code>"


def overview(view: Overview, now: datetime) -> str:
    lines = ["<b>Your queries</b>"]
    if not view.queries:
        lines.append("none yet: /subscribe ceasefire")
    for q in view.queries:
        extra = []
        if q.frequency != "instant":
            extra.append(q.frequency)
        if q.min_sources > 1:
            extra.append(f"≥{q.min_sources} sources")
        if q.thread_id is not None:
            extra.append(f"topic {q.thread_id}")
        if q.muted_until and q.muted_until > now:
            extra.append(f"🔕 muted until {q.muted_until:%Y-%m-%d %H:%M} UTC")
        if q.destination is not None:
            extra.append(f"→ {escape(q.destination)}")
        if q.paused is not None:
            extra.append(f"⏸ paused: {escape(q.paused[:200])}")
        details = f" ({', '.join(extra)})" if extra else ""
        lines.append(f"{q.number}. <code>{escape(q.query)}</code>{details}")
    chat = view.settings
    mode = "instant" if chat.alerts_mode == "instant" else "digest only"
    quiet = f"{chat.quiet_start}-{chat.quiet_end}" if chat.quiet_start else "off"
    lines += [
        "",
        "<b>Settings</b>",
        f"Alerts: {mode}{' (paused)' if chat.alerts_paused else ''}",
        f"Digest: {'on' if chat.digest_enabled else 'off'}, daily at {chat.digest_time} "
        f"({escape(chat.timezone)})",
        f"Summary length: {chat.summary_sentences} sentences",
        f"Quiet hours: {quiet}",
    ]
    return "\n".join(lines)


def settings_keyboard(chat: ChatSettings) -> Keyboard:
    def mark(on: bool, label: str) -> str:
        return f"✓ {label}" if on else label

    return (
        (
            (mark(chat.alerts_mode == "instant", "Alerts instant"), "set:mode:instant"),
            (mark(chat.alerts_mode == "digest", "Digest only"), "set:mode:digest"),
        ),
        tuple(
            (mark(chat.summary_sentences == n, f"{n} sentences"), f"set:len:{n}")
            for n in SUMMARY_LENGTHS
        ),
        (
            (mark(chat.digest_enabled, "Digest on"), "set:digest:on"),
            (mark(not chat.digest_enabled, "Digest off"), "set:digest:off"),
        ),
    )


def stop_keyboard() -> Keyboard:
    return ((("Yes, forget this chat", "stop:yes"), ("No, keep it", "stop:no")),)


def source_status(statuses: Sequence[SourceStatus], days: int) -> str:
    if not statuses:
        return f"No alerts in the last {days} days, so no sources to report yet."
    lines = [f"<b>Where your alerts come from</b> (last {days} days)"]
    for s in statuses:
        health = "✅ ok" if s.failures == 0 else f"⚠️ failing ({s.failures} in a row)"
        fetched = f"{s.last_polled_at:%d %b %H:%M} UTC" if s.last_polled_at else "never"
        median = f"{s.median_delay_s / 60:.0f} min" if s.median_delay_s is not None else "n/a"
        every = duration(s.interval_s)
        how = f"pushed (WebSub), safety poll every {every}" if s.pushed else f"polled every {every}"
        delay = f"median delay to alert {median}"
        lines.append(f"• {escape(s.name)}: {health}, {how}, fetched {fetched}, {delay}")
    return "\n".join(lines)


def latest(items: Sequence[DigestItem], now: datetime) -> list[str]:
    """/latest: the stories as a digest, in as many messages as the limit needs."""
    title = "Latest stories"
    return [m.text for m in render_digest([(title, items)], when=now, title=title)]


def link_summary(summary: LinkSummary) -> str:
    title = escape(summary.title or summary.url)
    link = escape(summary.url, quote=True)
    body = "\n".join(escape(s) for s in summary.sentences) or "(the page is too short to summarize)"
    return f'<b><a href="{link}">{title}</a></b>\n\n{body}'


def unsummarizable(reason: str) -> str:
    return f"⚠️ I can't summarize that link: {escape(reason)}"


NO_ARTICLE = "⚠️ I found no article text on that page."


def feeds(views: Sequence[FeedView]) -> str:
    lines = ["<b>Feeds</b>"]
    for feed in views:
        state = "✅" if feed.active and not feed.failures else ("⚠️" if feed.active else "⏹")
        detail = (
            f" — {feed.failures} failures: {escape((feed.last_error or '')[:80])}"
            if feed.failures
            else ""
        )
        lines.append(f"{state} {feed.id}. {escape(feed.name)}{detail}")
    return "\n".join(lines)


def added_feed(feed: FeedView) -> str:
    return f"✅ Added feed {feed.id}: {escape(feed.name)} ({feed.entries} entries now)"


def feed_refused(reason: str) -> str:
    return f"⚠️ Not added: {escape(reason)}"


def not_a_feed(reason: str) -> str:
    return f"⚠️ Not added: that is not a feed I can read ({escape(reason[:200])})"


def removed_feed(feed: FeedView | None, key: str) -> str:
    if feed is None:
        return f"No feed {echo(key)}. /feeds lists them."
    return f"⏹ Stopped polling {escape(feed.name)}. Its stories stay."


def stats(s: Stats) -> str:
    queue = s.outbox
    return (
        "<b>Stats</b>\n"
        f"Feeds: {s.feeds} active, {s.failing} failing\n"
        f"Stories: {s.stories} ({s.stories_today} in 24 h) from {s.articles} articles\n"
        f"Chats: {s.chats} active, {s.queries} queries\n"
        f"Queue: {queue[OutboxStatus.PENDING]} pending, {queue[OutboxStatus.SENT]} sent, "
        f"{queue[OutboxStatus.FAILED]} failed, "
        f"{queue[OutboxStatus.UNDELIVERABLE]} undeliverable"
    )


def unknown_command(command: str) -> str:
    return f"I don't know {echo(command)}. /help lists what I can do."


# --- a chat's own sources ---------------------------------------------------------------------

ADDSOURCE_HOW = (
    "Give a site's or a feed's address: <code>/addsource example.com</code>. "
    "Or send me an .opml file exported from your feed reader."
)
REMOVESOURCE_HOW = "Which source? <code>/removesource 2</code> (numbers from /sources)"
NO_SOURCES = "This chat has no sources of its own. Add one with /addsource example.com."
EXPORT_CAPTION = "This chat's sources, as OPML: any feed reader imports it."
OPML_HOW = "Send an .opml file (your feed reader's export) to add its feeds as sources."
OPML_TOO_BIG = "⚠️ That file is too large for an OPML list (2 MB at most)."
NO_FEED = "⚠️ No feed added: {value}"  # with done(NO_FEED, reason)


def source_added(added: Added) -> str:
    source = added.source
    head = "✅ Added to this chat's sources" if added.created else "This chat already has"
    lines = [f"{head}: <b>{escape(source.name[:200])}</b>", f"<code>{escape(source.url)}</code>"]
    if added.newest:
        lines += ["", "Its newest items:", *_story_lines(added.newest)]
    if added.created:
        lines += ["", "Its stories match this chat's queries, and no one else's. /sources"]
    return "\n".join(lines)


def undo_keyboard(feed_id: int) -> Keyboard:
    return ((("↩️ Undo", f"unsrc:{feed_id}"),),)


def sources_list(views: Sequence[SourceView], most: int) -> list[str]:
    """/sources, in as many messages as Telegram's limit needs."""
    if not views:
        return [NO_SOURCES]
    lines = [f"<b>This chat's sources</b> ({len(views)} of {most})"]
    for v in views:
        state = "✅" if not v.failures else f"⚠️ failing ({escape((v.last_error or '')[:60])})"
        url = escape(v.url if len(v.url) <= 200 else v.url[:199] + "…")
        lines.append(f"{v.number}. {escape(v.name[:100])} {state}\n   <code>{url}</code>")
    return _chunks([*lines, "", "Remove one: /removesource N · all as a file: /export"])


def _chunks(lines: Sequence[str], limit: int = 4000) -> list[str]:
    messages: list[str] = []
    for line in lines:
        if messages and len(messages[-1]) + 1 + len(line) <= limit:
            messages[-1] += "\n" + line
        else:
            messages.append(line)
    return messages


def removed_source(view: SourceView | None, key: str) -> str:
    if view is None:
        return f"No source {echo(key)} here. /sources lists them with their numbers."
    return f"Removed {escape(view.name[:200])} from this chat's sources."


def imported(report: ImportReport, shown: int = 15) -> str:
    """The OPML report; each list cut at `shown` rows so it stays one message."""
    added = [escape(name[:80]) for _, name in report.added]
    failed = [f"{escape(url[:80])}: {escape(why[:120])}" for url, why in report.failed]
    lines = [
        f"📥 OPML: {len(added)} added, {len(report.already)} already there, {len(failed)} failed."
    ]
    for title, rows in (("Added", added), ("Failed", failed)):
        if rows:
            lines += ["", f"<b>{title}</b>", *(f"• {row}" for row in rows[:shown])]
            lines += [f"… and {len(rows) - shown} more"] if len(rows) > shown else []
    return "\n".join(lines)


# --- channels as destinations -----------------------------------------------------------------

# The templates take the channel's name or @name with done(TEMPLATE, name).
CHANNEL_FROM_PRIVATE = "Send alerts to a channel from your private chat with me."
NOT_A_CHANNEL = "⚠️ That is not a channel. --to takes a channel's @name or id."
MAKE_ME_ADMIN = "Make me an administrator there who may post messages, then try again."
CHANNEL_NOT_FOUND = "⚠️ I can't find the channel {value}. " + MAKE_ME_ADMIN
BOT_CANNOT_POST = "⚠️ I can't post to <b>{value}</b>. " + MAKE_ME_ADMIN
NOT_CHANNEL_ADMIN = "⚠️ Only an administrator of <b>{value}</b> can send alerts there."
