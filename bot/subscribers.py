"""Who wants a story: every subscribed query, parsed once, in one in-memory `MatchIndex`.

Subscriptions live in the database as the user typed them. The index is built once, then kept
current from the subscription change sequence (`SubscriptionChange`, written by triggers): each
refresh applies the changes since the last one it saw, query by query, so a new subscription
costs the next poll the parsing of one query, whatever the number of subscriptions.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.match import Document, MatchIndex, QueryError, parse_query
from bot.store import Subscription, SubscriptionChange

__all__ = ["ChatMatch", "SubscriptionIndex"]

log = logging.getLogger(__name__)

# Queries are parsed as stored: limits were checked when they were subscribed, and a query that
# a later, stricter limit would refuse still works for the chat that has it.
_STORED = {"max_length": 10_000, "max_terms": 1_000}


@dataclass(frozen=True)
class ChatMatch:
    """One subscription that matched a story: whose, which query, which terms and where."""

    chat_id: int
    subscription_id: int
    query: str
    terms: tuple[str, ...]
    where: tuple[str, ...]


class SubscriptionIndex:
    """Every subscription's parsed query, keyed by subscription id."""

    def __init__(self) -> None:
        self._index = MatchIndex()
        self._owners: dict[int, int] = {}  # subscription -> chat (the index keeps the text)
        self._seen: int | None = None  # the last change applied; None: never built

    def refresh(self, session: Session) -> None:
        """Bring the index up to date: apply the changes since the last refresh, or build it
        when it was never built or the changes it missed were pruned."""
        if self._seen is None or self._missed_pruned_changes(session):
            self._rebuild(session)
            return
        changes = session.execute(
            select(SubscriptionChange.id, SubscriptionChange.subscription_id)
            .where(SubscriptionChange.id > self._seen)
            .order_by(SubscriptionChange.id)
        ).all()
        if not changes:
            return
        self._apply({sub_id for _, sub_id in changes}, session)
        self._seen = changes[-1][0]

    def _missed_pruned_changes(self, session: Session) -> bool:
        oldest = session.scalar(select(func.min(SubscriptionChange.id)))
        return oldest is not None and self._seen is not None and oldest > self._seen + 1

    def _rebuild(self, session: Session) -> None:
        # The change id first: a change that lands while the rows are read is applied again
        # at the next refresh, which is harmless (applying a change is idempotent).
        seen = session.scalar(select(func.coalesce(func.max(SubscriptionChange.id), 0)))
        self._index, self._owners = MatchIndex(), {}
        rows = session.execute(select(Subscription.id, Subscription.chat_id, Subscription.query))
        for sub_id, chat_id, text in rows:
            self._add(sub_id, chat_id, text)
        self._seen = int(seen or 0)
        log.info("subscription index built: %d queries", len(self._owners))

    def _apply(self, sub_ids: Iterable[int], session: Session) -> None:
        """Each changed subscription as it is now: (re)added with its current query and chat,
        or removed when it is gone."""
        wanted = sorted(set(sub_ids))
        current = {
            sub_id: (chat_id, text)
            for sub_id, chat_id, text in session.execute(
                select(Subscription.id, Subscription.chat_id, Subscription.query).where(
                    Subscription.id.in_(wanted)
                )
            )
        }
        for sub_id in wanted:
            if sub_id in self._owners:
                self._index.remove(sub_id)
                del self._owners[sub_id]
            if sub_id in current:
                self._add(sub_id, *current[sub_id])
        log.info("subscription index: %d changes applied, %d queries", len(wanted), len(self))

    def _add(self, sub_id: int, chat_id: int, text: str) -> None:
        try:
            self._index.add(sub_id, parse_query(text, **_STORED))
        except QueryError as exc:  # stored before a rule tightened: skip, keep the row
            log.warning("subscription %s of chat %s no longer parses: %s", sub_id, chat_id, exc)
            return
        self._owners[sub_id] = chat_id

    def match(self, doc: Document) -> list[ChatMatch]:
        """Every matching subscription, oldest first; `queue_alerts` picks one per chat among
        the unmuted. The index answers once per distinct query, for all who hold it."""
        found: list[ChatMatch] = []
        for m in self._index.match(doc):
            where = tuple(sorted(set(m.where)))
            for key in m.keys:
                chat_id = self._owners.get(cast(int, key))
                if chat_id is not None:
                    found.append(ChatMatch(chat_id, cast(int, key), m.query, m.terms, where))
        found.sort(key=lambda c: c.subscription_id)
        return found

    def __len__(self) -> int:
        return len(self._owners)
