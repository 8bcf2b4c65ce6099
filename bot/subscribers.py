"""Who wants a story: every subscribed query, parsed once, in one in-memory `QueryIndex`.

Subscriptions live in the database as the user typed them. The index is built once, then kept
current from the subscription change sequence (`SubscriptionChange`, written by triggers): each
refresh applies the changes since the last one it saw, query by query, so a new subscription
costs the next poll the parsing of one query, whatever the number of subscriptions.

A popular bot holds hundreds of thousands of subscriptions but far fewer distinct queries, so
the `QueryIndex` holds each distinct query once (under a small number, its *slot*) and the
subscriptions are rows of flat arrays indexed by subscription id (`_Subscribers`): per
subscription 20 bytes rather than two dictionary entries and their integer objects (about 120),
and no per-query record of who holds it beyond the first subscription of each slot.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.match import Document, QueryError, QueryIndex
from bot.memory import return_free_memory
from bot.store import Subscription, SubscriptionChange
from bot.store.bulk import batches

__all__ = ["ChatMatch", "SubscriptionIndex"]

log = logging.getLogger(__name__)

# Queries are parsed as stored: limits were checked when they were subscribed, and a query that
# a later, stricter limit would refuse still works for the chat that has it.
_STORED = {"max_length": 10_000, "max_terms": 1_000}
_NONE = -1
_BATCH = 2_000  # rows read at a time when building


class ChatMatch(NamedTuple):
    """One subscription that matched a story: whose, which query, which terms and where.

    A named tuple rather than a dataclass: a burst makes hundreds of them per story, and a
    tuple is made at C speed.
    """

    chat_id: int
    subscription_id: int
    query: str
    terms: tuple[str, ...]
    where: tuple[str, ...]


_new_match = tuple.__new__  # ChatMatch without the named tuple's Python-level __new__


class _Subscribers:
    """Subscriptions as rows of arrays indexed by subscription id: the chat, the query's slot,
    and a doubly linked list through the subscriptions of each slot (adding and removing one
    costs the same for a query of one subscriber or of ten thousand).

    Ids come from the database's sequence, dense from 1, so the arrays grow to the highest id
    seen (20 bytes an id), never to the number of possible ids: sized for the highest id when
    built, by a quarter more when a new id passes it.
    """

    def __init__(self, highest: int = 0) -> None:
        self.chat = array("q")
        self.slot = array("i")
        self.next = array("i")
        self.prev = array("i")
        self.head = array("i")  # by slot: its first subscription, or _NONE
        self.count = 0
        if highest:
            self._grow(highest, exact=True)

    def _grow(self, sub_id: int, exact: bool = False) -> None:
        size = sub_id + 1 if exact else max(sub_id + 1, len(self.slot) * 5 // 4, 1024)
        more = size - len(self.slot)
        self.chat.extend(array("q", bytes(8 * more)))
        for column in (self.slot, self.next, self.prev):
            column.extend(array("i", [_NONE]) * more)

    def slot_of(self, sub_id: int) -> int:
        return self.slot[sub_id] if 0 <= sub_id < len(self.slot) else _NONE

    def add(self, sub_id: int, chat_id: int, slot: int) -> None:
        """File a subscription (known not to be filed) under its query's slot."""
        if sub_id >= len(self.slot):
            self._grow(sub_id)
        while slot >= len(self.head):
            self.head.append(_NONE)
        first = self.head[slot]
        self.chat[sub_id], self.slot[sub_id] = chat_id, slot
        self.next[sub_id], self.prev[sub_id] = first, _NONE
        if first != _NONE:
            self.prev[first] = sub_id
        self.head[slot] = sub_id
        self.count += 1

    def remove(self, sub_id: int) -> int:
        """Unfile a filed subscription; its slot, which has no subscription left when its head
        is _NONE afterwards."""
        slot, before, after = self.slot[sub_id], self.prev[sub_id], self.next[sub_id]
        if before == _NONE:
            self.head[slot] = after
        else:
            self.next[before] = after
        if after != _NONE:
            self.prev[after] = before
        self.slot[sub_id] = self.next[sub_id] = self.prev[sub_id] = _NONE
        self.count -= 1
        return slot


class SubscriptionIndex:
    """Every subscription's parsed query, keyed by subscription id."""

    def __init__(self) -> None:
        self._index = QueryIndex()  # its numbers are the slots of _Subscribers
        self._subs = _Subscribers()
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
        highest = session.scalar(select(func.coalesce(func.max(Subscription.id), 0)))
        self._index, self._subs = QueryIndex(), _Subscribers(int(highest or 0))
        # Streamed in batches: 300,000 rows fetched at once would outweigh the index they build,
        # and the allocator keeps most of that peak after they are freed.
        rows = session.execute(
            select(Subscription.id, Subscription.chat_id, Subscription.query).execution_options(
                yield_per=_BATCH
            )
        )
        for sub_id, chat_id, text in rows:
            self._add(sub_id, chat_id, text)
        self._seen = int(seen or 0)
        return_free_memory()  # the rows and parse trees of the build
        log.info("subscription index built: %d queries", len(self))

    def _apply(self, sub_ids: Iterable[int], session: Session) -> None:
        """Each changed subscription as it is now: (re)added with its current query and chat,
        or removed when it is gone."""
        wanted = sorted(set(sub_ids))
        current = {
            sub_id: (chat_id, text)
            for some in batches(wanted)  # a bulk import can change more than a statement binds
            for sub_id, chat_id, text in session.execute(
                select(Subscription.id, Subscription.chat_id, Subscription.query).where(
                    Subscription.id.in_(some)
                )
            )
        }
        for sub_id in wanted:
            self._remove(sub_id)
            if sub_id in current:
                self._add(sub_id, *current[sub_id])
        log.info("subscription index: %d changes applied, %d queries", len(wanted), len(self))

    def _add(self, sub_id: int, chat_id: int, text: str) -> None:
        """File a subscription that is not filed; a query text already held is not parsed."""
        try:
            slot = self._index.add_text(text, **_STORED)
        except QueryError as exc:  # stored before a rule tightened: skip, keep the row
            log.warning("subscription %s of chat %s no longer parses: %s", sub_id, chat_id, exc)
            return
        self._subs.add(sub_id, chat_id, slot)

    def _remove(self, sub_id: int) -> None:
        if self._subs.slot_of(sub_id) == _NONE:
            return
        slot = self._subs.remove(sub_id)
        if self._subs.head[slot] == _NONE:  # its last subscriber: forget the query
            self._index.remove(slot)  # its number, free again

    def match(self, doc: Document) -> list[ChatMatch]:
        """Every matching subscription, in no set order (`queue_alerts` picks each chat's oldest
        among the unmuted). The index answers once per distinct query, for all who hold it."""
        subs = self._subs
        head, nxt, chat = subs.head, subs.next, subs.chat
        found: list[ChatMatch] = []
        append = found.append
        places = _PLACES
        for slot, query, terms, where in self._index.match(doc):
            distinct = where if len(where) < 2 else places.get(where) or _places(where)
            sub_id = head[slot]
            while sub_id != _NONE:
                append(_new_match(ChatMatch, (chat[sub_id], sub_id, query, terms, distinct)))
                sub_id = nxt[sub_id]
        return found

    def __len__(self) -> int:
        return self._subs.count


_PLACES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _places(where: tuple[str, ...]) -> tuple[str, ...]:
    """Where the terms were, as distinct places in order ("text" before "title")."""
    places = _PLACES.get(where)
    if places is None:
        places = tuple(sorted(set(where)))
        if len(_PLACES) < 1_000:  # a few combinations of two places; never a flood of them
            _PLACES[where] = places
    return places
