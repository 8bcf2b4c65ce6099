"""Who wants a story: every subscribed query, parsed once, in one in-memory `MatchIndex`.

Subscriptions live in the database as the user typed them; here they are parsed once and
reloaded only when the set changes (a cheap signature query), so matching a story costs the
same with ten subscriptions as with a hundred thousand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.match import Document, MatchIndex, QueryError, parse_query
from bot.store import Subscription

__all__ = ["ChatMatch", "SubscriptionIndex"]

log = logging.getLogger(__name__)


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
        self._owners: dict[int, tuple[int, str]] = {}
        self._signature: tuple[int, int] | None = None

    def refresh(self, session: Session) -> None:
        count, top = session.execute(
            select(func.count(Subscription.id), func.coalesce(func.max(Subscription.id), 0))
        ).one()
        signature = (int(count), int(top))
        if signature == self._signature:
            return
        index = MatchIndex()
        owners: dict[int, tuple[int, str]] = {}
        for sub_id, chat_id, text in session.execute(
            select(Subscription.id, Subscription.chat_id, Subscription.query)
        ):
            try:
                index.add(sub_id, parse_query(text, max_length=10_000, max_terms=1_000))
            except QueryError as exc:  # stored before a rule tightened: skip, keep the row
                log.warning("subscription %s of chat %s no longer parses: %s", sub_id, chat_id, exc)
                continue
            owners[sub_id] = (chat_id, text)
        self._index, self._owners, self._signature = index, owners, signature
        log.info("subscription index rebuilt: %d queries", len(owners))

    def match(self, doc: Document) -> list[ChatMatch]:
        """Every matching subscription; `queue_alerts` picks one per chat among the unmuted."""
        found: list[ChatMatch] = []
        for m in sorted(self._index.match(doc), key=lambda m: cast(int, m.key)):
            owner = self._owners.get(cast(int, m.key))
            if owner is None:
                continue
            where = tuple(sorted(set(m.where)))
            found.append(ChatMatch(owner[0], cast(int, m.key), owner[1], tuple(m.terms), where))
        return found

    def __len__(self) -> int:
        return len(self._owners)
