"""Messages as Telegram will show them: HTML parse mode, everything escaped, never over 4096.

Pure functions over plain values: the pipeline decides *what* to say, this module only how.
Telegram counts the limit on the visible text (entities parsed), but we keep the raw HTML under
the limit too, which is stricter and needs no HTML parser to check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

__all__ = [
    "MAX_MESSAGE",
    "AlertView",
    "DigestItem",
    "RenderedMessage",
    "alert_body",
    "alert_buttons",
    "alert_head",
    "alert_sources",
    "alert_tail",
    "alert_text",
    "alert_why",
    "duration",
    "emphasize",
    "render_alert",
    "render_away",
    "render_digest",
    "render_follow_up",
    "sources_line",
    "with_sources",
]

MAX_MESSAGE = 4096
SOURCES_PREFIX = "📰 "  # starts the "reported by" line, which edits bring up to date


@dataclass(frozen=True)
class RenderedMessage:
    text: str
    buttons: tuple[tuple[tuple[str, str], ...], ...] = ()  # rows of (label, callback data)
    disable_preview: bool = True


@dataclass(frozen=True)
class AlertView:
    story_id: int
    title: str
    url: str
    summary: Sequence[str]
    sources: Sequence[str]
    query: str
    terms: Sequence[str]
    where: Sequence[str] = ()  # "title", "text"
    highlights: Sequence[Sequence[tuple[int, int]]] = ()  # per summary sentence, char spans
    subscription_id: int | None = None
    feed_id: int | None = None


@dataclass(frozen=True)
class DigestItem:
    title: str
    url: str
    summary: Sequence[str]
    sources: Sequence[str]
    matched_query: str | None = None


def emphasize(sentence: str, spans: Sequence[tuple[int, int]]) -> str:
    """Escape `sentence`, wrapping the matched spans in <b> (spans may overlap or be unsorted)."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        start, end = max(0, start), min(len(sentence), end)
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    out, pos = [], 0
    for start, end in merged:
        out.append(escape(sentence[pos:start]))
        out.append(f"<b>{escape(sentence[start:end])}</b>")
        pos = end
    out.append(escape(sentence[pos:]))
    return "".join(out)


def sources_line(sources: Sequence[str], limit: int = 5) -> str:
    names = list(dict.fromkeys(s for s in sources if s))
    if not names:
        return ""
    shown = ", ".join(escape(n) for n in names[:limit])
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return f"{shown}{more}"


def _link(title: str, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return f'<a href="{escape(url, quote=True)}">{escape(title)}</a>'
    return escape(title)


def _fit(text: str, limit: int) -> str:
    """Cut an over-long block at a word boundary; only whole tags we made are ever at stake, so
    we cut plain text before rendering instead of HTML after."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)].rsplit(" ", 1)[0]
    return cut + "…"


def render_alert(view: AlertView) -> RenderedMessage:
    text = alert_text(
        alert_head(view.title, view.url),
        alert_body(view.summary, view.highlights),
        alert_tail(view.sources, view.query, view.terms, view.where),
    )
    buttons = alert_buttons(view.subscription_id, view.feed_id)
    return RenderedMessage(text, buttons, disable_preview=False)


# An alert in parts, so that a burst renders what many chats share once: the head once a
# story, the highlighted summary once for each set of matched terms, and only the why-line
# for each chat; `render_alert` is these parts put together.


def alert_head(title: str, url: str) -> str:
    return f"🔔 <b>{_link(_fit(title or url, 300), url)}</b>"


Spans = Sequence[tuple[int, int]]


def alert_body(
    summary: Sequence[str],
    highlights: Sequence[Spans],
    mark: Callable[[str, Spans], str] = emphasize,
) -> tuple[str, ...]:
    """The summary's lines, the matched terms emphasized, within the message's limit. `mark`
    is `emphasize` or one that remembers its answers (a burst emphasizes the same sentence
    the same way for many term lists)."""
    lines: list[str] = []
    budget = MAX_MESSAGE - 900  # room for title, sources, why-line and escaping growth
    for i, sentence in enumerate(summary):
        spans = highlights[i] if i < len(highlights) else ()
        sentence = _fit(sentence, budget)
        budget -= len(sentence)
        if budget < 0:
            break
        lines.append(mark(sentence, spans))
    return tuple(lines)


def alert_sources(sources: Sequence[str]) -> tuple[str, ...]:
    """The "reported by" lines (none when no outlet may be named)."""
    line = sources_line(sources)
    return ("", f"{SOURCES_PREFIX}{line}") if line else ()


def alert_why(query: str, terms: Sequence[str], where: Sequence[str]) -> str:
    """Which query matched, which of its terms and where."""
    found = f" in {' and '.join(dict.fromkeys(where))}" if where else ""
    shown = ", ".join(escape(t) for t in terms)
    return f"🔎 <i>{escape(_fit(query, 200))}</i> matched {shown}{found}"


def alert_tail(
    sources: Sequence[str], query: str, terms: Sequence[str], where: Sequence[str]
) -> tuple[str, ...]:
    return (*alert_sources(sources), alert_why(query, terms, where))


def alert_text(head: str, body: Sequence[str], tail: Sequence[str]) -> str:
    return "\n".join((head, "", *body, *tail)).strip()


def alert_buttons(
    subscription_id: int | None, feed_id: int | None
) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Control from the message itself: mute the query, mute the outlet, stop the query."""
    if subscription_id is None:
        return ()
    sid = subscription_id
    rows: list[tuple[tuple[str, str], ...]] = [
        (("🔕 Mute 1 day", f"mute:{sid}:1d"), ("🔕 Mute 1 week", f"mute:{sid}:7d")),
    ]
    last = [("🗑 Stop this query", f"unsub:{sid}")]
    if feed_id is not None:
        last.insert(0, ("🙈 Mute this source", f"msrc:{feed_id}:7d"))
    rows.append(tuple(last))
    return tuple(rows)


def with_sources(text: str, sources: Sequence[str]) -> str:
    """The same alert, its "reported by" line brought up to date (for an edit)."""
    line = f"{SOURCES_PREFIX}{sources_line(sources)}"
    lines = text.split("\n")
    for i, old in enumerate(lines):
        if old.startswith(SOURCES_PREFIX):
            lines[i] = line
            return "\n".join(lines)
    return text


def render_follow_up(
    title: str, url: str, source: str, sentences: Sequence[str]
) -> RenderedMessage:
    """A short note, sent as a reply to the first alert, when a story develops."""
    body = "\n".join(escape(_fit(s, 1000)) for s in sentences)
    head = f"📌 <b>Update</b> from {escape(source)}: {_link(_fit(title, 300), url)}"
    return RenderedMessage(f"{head}\n\n{body}".strip(), disable_preview=True)


def render_away(items: Sequence[DigestItem], when: datetime) -> list[RenderedMessage]:
    """What arrived during the chat's quiet hours, in one message (or a few, under the limit)."""
    return render_digest([("While you were away", items)], when=when, title="While you were away")


def _digest_item(number: int, item: DigestItem) -> str:
    parts = [f"<b>{number}. {_link(_fit(item.title or item.url, 300), item.url)}</b>"]
    if item.summary:
        parts.append(escape(_fit(" ".join(item.summary), 1200)))
    sources = sources_line(item.sources)
    if sources:
        parts.append(f"<i>{sources}</i>")
    return "\n".join(parts)


def _compact_item(number: int, item: DigestItem) -> str:
    sources = sources_line(item.sources, limit=2)
    tail = f" <i>({sources})</i>" if sources else ""
    return f"{number}. {_link(_fit(item.title or item.url, 200), item.url)}{tail}"


def render_digest(
    sections: Sequence[tuple[str, Sequence[DigestItem]]],
    *,
    when: datetime,
    limit: int = MAX_MESSAGE,
    title: str = "Your news digest",
    more: Sequence[DigestItem] = (),
) -> list[RenderedMessage]:
    """The digest as one or more messages, split only between items, each under `limit`.

    `more` are matched stories past the digest's length: listed as compact title links after
    the rest, so the digest accounts for everything matched, however many messages it takes.
    """
    header = f"🗞 <b>{escape(title)}</b> · {when:%A %d %B %Y, %H:%M}"
    blocks: list[tuple[str, str]] = []  # (separator before it, block)
    number = 0
    for heading, items in sections:
        if not items:
            continue
        blocks.append(("\n\n", f"<u>{escape(heading)}</u>"))
        for item in items:
            number += 1
            blocks.append(("\n\n", _digest_item(number, item)))
    if more:
        blocks.append(("\n\n", f"<u>Also matched ({len(more)})</u>"))
        for item in more:
            number += 1
            blocks.append(("\n", _compact_item(number, item)))
    if number == 0:
        blocks.append(("\n\n", "Nothing new since your last digest."))
    messages: list[RenderedMessage] = []
    current = header
    for separator, block in blocks:
        candidate = f"{current}{separator}{block}"
        if len(candidate) <= limit:
            current = candidate
            continue
        messages.append(RenderedMessage(current))
        current = block[:limit]
    messages.append(RenderedMessage(current))
    return messages


def duration(seconds: float) -> str:
    """A wait as people say it: minutes up to two hours ("1 min", "90 min"), then hours
    ("2.5 h", "4 h")."""
    minutes = max(1, round(seconds / 60))
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes / 60:.1f}".removesuffix(".0") + " h"
