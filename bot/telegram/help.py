"""The commands users see: one list feeds /help and Telegram's command menu (setMyCommands)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

__all__ = ["MENU", "OPERATOR_MENU", "Command", "help_text"]


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    example: str


MENU: tuple[Command, ...] = (
    Command("start", "what this bot does", "/start"),
    Command(
        "subscribe",
        "get alerts for a keyword query (--min-sources N, --daily, --weekly, --to @channel)",
        "/subscribe ceasefire OR truce -sports --min-sources 2",
    ),
    Command("alert", "same as /subscribe", '/alert "peace plan"'),
    Command("test", "what a query would match, without saving it", "/test ceasefire -olympics"),
    Command("unsubscribe", "stop a query (buttons, or its text or number)", "/unsubscribe 2"),
    Command("list", "your queries and settings", "/list"),
    Command("latest", "the newest stories, summarized", "/latest 5"),
    Command("summary", "summarize any article page", "/summary https://example.com/article"),
    Command("digest", "send the digest now", "/digest"),
    Command("digesttime", "when your daily digest comes", "/digesttime 07:30"),
    Command("timezone", "your time zone", "/timezone Europe/Kyiv"),
    Command("pause", "pause instant alerts", "/pause"),
    Command("resume", "resume instant alerts", "/resume"),
    Command("quiet", "hold alerts during your quiet hours", "/quiet 22:00-07:00"),
    Command("settings", "alert mode, summary length, digest on/off", "/settings"),
    Command("status", "where your alerts come from and how fast", "/status"),
    Command("addsource", "add a site or feed as this chat's own source", "/addsource example.com"),
    Command("sources", "this chat's own sources", "/sources"),
    Command("removesource", "remove one of this chat's sources", "/removesource 2"),
    Command("export", "this chat's sources as an OPML file", "/export"),
    Command("stop", "forget this chat and its queries", "/stop"),
    Command("help", "this list", "/help"),
)

OPERATOR_MENU: tuple[Command, ...] = (
    Command("feeds", "list feeds and their health", "/feeds"),
    Command("addfeed", "add a feed (checked first)", "/addfeed https://example.com/rss"),
    Command("removefeed", "stop polling a feed", "/removefeed 3"),
    Command("stats", "feeds, stories, chats, queue, failures", "/stats"),
)

QUERY_HELP = (
    'Queries: words must all appear; <code>"exact phrase"</code>; <code>OR</code>; '
    "<code>-exclude</code>; <code>( )</code>; <code>intitle:word</code>; "
    "<code>site:example.com</code>. Case, accents and word forms don't matter: "
    "<code>ceasefire</code> also finds <i>ceasefires</i> and <i>cease-fire</i>."
)


SOURCES_HELP = (
    "Your own sources: /addsource takes a site's or a feed's address, or send me an .opml "
    "file; their stories reach only this chat. Alerts to a channel you administer: "
    "<code>/subscribe ceasefire --to @mychannel</code> (I must be an administrator there)."
)


def help_text(operator: bool = False) -> str:
    lines = ["<b>What I can do</b>", ""]
    for cmd in MENU:
        lines.append(
            f"/{cmd.name} — {escape(cmd.description)}\n   <code>{escape(cmd.example)}</code>"
        )
    if operator:
        lines += ["", "<b>Operator</b>"]
        for cmd in OPERATOR_MENU:
            lines.append(
                f"/{cmd.name} — {escape(cmd.description)}\n   <code>{escape(cmd.example)}</code>"
            )
    lines += ["", QUERY_HELP, "", SOURCES_HELP]
    return "\n".join(lines)
