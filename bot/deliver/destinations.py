"""A channel the bot posts to for someone else, lost: its owner is told once, its queries paused.

When Telegram says the channel is gone for us (the bot was removed, or may no longer post), the
outbox deactivates the chat as for any chat. The queries sent there belong to private chats;
each owner hears once, in its own chat, which queries stopped and how to bring them back, and
those queries are paused (not deleted) until the owner subscribes one again with `--to`. Only
queries not paused yet are paused and reported, so a second refusal says nothing twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.outbox import enqueue
from bot.render import RenderedMessage
from bot.store import Chat, OutboxKind, Subscription

__all__ = ["pause_destination"]

log = logging.getLogger(__name__)


def pause_destination(session: Session, chat_id: int, reason: str, now: datetime) -> int:
    """Pause the owned queries of a lost channel and tell each owner; returns notices queued."""
    subs = session.scalars(
        select(Subscription)
        .where(
            Subscription.chat_id == chat_id,
            Subscription.owner_chat_id.is_not(None),
            Subscription.paused_reason.is_(None),
        )
        .order_by(Subscription.id)
    ).all()
    if not subs:
        return 0
    channel = session.get(Chat, chat_id)
    name = (channel.title if channel is not None else None) or str(chat_id)
    by_owner: dict[int, list[Subscription]] = defaultdict(list)
    for sub in subs:
        sub.paused_reason = f"I can no longer post to {name}: {reason}"[:1000]
        by_owner[int(sub.owner_chat_id or 0)].append(sub)
    queued = 0
    for owner_id, owned in by_owner.items():
        owner = session.get(Chat, owner_id)
        if owner is None or not owner.active:
            continue
        notice = _notice(name, chat_id, reason, owned)
        enqueue(session, owner_id, notice, kind=OutboxKind.NOTICE, now=now)
        queued += 1
    log.warning("channel %s lost (%s): %d queries paused", chat_id, reason, len(subs))
    return queued


def _notice(channel: str, chat_id: int, reason: str, subs: list[Subscription]) -> RenderedMessage:
    queries = ", ".join(f"<code>{escape(sub.query[:100])}</code>" for sub in subs[:10])
    more = f" and {len(subs) - 10} more" if len(subs) > 10 else ""
    first = escape(subs[0].query[:100])
    return RenderedMessage(
        f"⚠️ I can no longer post to <b>{escape(channel)}</b> ({escape(reason[:200])}), so I "
        f"paused {queries}{more}.\n\nMake me an administrator there who may post messages, "
        f"then send <code>/subscribe {first} --to {chat_id}</code> to resume."
    )
