"""Subscribing at hubs and renewing leases: the `websub` job (W3C WebSub §5.1).

Each pass looks at the subscriptions that need a request: new ones ("requested"), active ones
with less than `websub.renew_before` of their lease left, and attempts that failed or were never
verified, after a backoff. A request is a form POST to the hub (`hub.mode=subscribe`, topic,
callback `<public_url>/<token>`, the subscription's `hub.secret`, `hub.lease_seconds`); the hub
answers 202 and verifies later by calling us back (`bot.websub.callback`), which makes the
subscription "active". `requested_at` is stamped before the POST, so a hub that verifies before
it answers finds the request on record.

A hub URL comes from a feed, so it is as trusted as the feed: an operator's feed's hub is
reached like its article pages (any address), a chat's feed's hub like a user-given link (public
addresses only, unless `telegram.allow_private_urls`).

A hub that refuses, fails, or does not verify within `websub.verify_timeout` counts a failure;
after `websub.max_failures` in a row, or when a lease ends unrenewed, the subscription is
"failed" and the feed is polled at its normal interval again (`bot.websub.discovery` tries
afresh later). Only `state == "active"` means "pushed".

A feed nobody needs any more (paused or removed by an operator, a chat's feed no chat follows)
is unsubscribed (§5.1, `hub.mode=unsubscribe`, state "unsubscribed"): the hub stops pushing now
rather than when the lease ends, and the callback answers its verification. One attempt: a hub
that refuses has the lease's end to stop anyway. The feed's next poll, when it is followed
again, subscribes afresh (`bot.websub.discovery`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import exists, or_, select

from bot.clock import Clock
from bot.fetch import Fetcher, FetchResult
from bot.settings import Settings, WebSubSettings
from bot.store import ChatSource, Database, Feed, WebSubSubscription

__all__ = ["Step", "SubscribeReport", "Subscriber", "callback_url", "next_step"]

log = logging.getLogger(__name__)

Step = Literal["subscribe", "renew", "unverified", "expired", "wait"]
BACKOFF_BASE = 60.0  # s after the first failure; doubles with each
BACKOFF_MAX = 6 * 3600.0


def callback_url(settings: WebSubSettings, token: str) -> str:
    """The URL a hub calls back for the subscription with this token."""
    return f"{(settings.public_url or '').rstrip('/')}/{token}"


def _pending(row: WebSubSubscription) -> bool:
    """A request was sent and not verified since."""
    return row.requested_at is not None and (
        row.verified_at is None or row.requested_at > row.verified_at
    )


def next_step(row: WebSubSubscription, now: datetime, settings: WebSubSettings) -> Step:
    """What the subscription needs now (a pure decision, for the job and for tests)."""
    if row.state not in {"requested", "active"}:
        return "wait"
    if row.state == "active" and row.lease_until is not None and row.lease_until <= now:
        return "expired"
    if _pending(row):
        assert row.requested_at is not None
        if row.last_error is None:  # the hub took the request: awaiting its verification
            deadline = row.requested_at + timedelta(seconds=settings.verify_timeout)
            return "unverified" if now >= deadline else "wait"
        wait = min(BACKOFF_BASE * 2 ** min(row.failures - 1, 16), BACKOFF_MAX)
        if now < row.requested_at + timedelta(seconds=wait):
            return "wait"
        return "renew" if row.state == "active" else "subscribe"
    if row.state == "requested":
        return "subscribe"
    if row.lease_until is None or row.verified_at is None:
        return "renew"
    left = settings.renew_before * (row.lease_until - row.verified_at)
    return "renew" if now >= row.lease_until - left else "wait"


@dataclass(frozen=True)
class _Request:
    feed_id: int
    hub_url: str
    form: dict[str, str]
    chat_feed: bool  # a chat's feed: the hub is held to the public-address rule


@dataclass
class SubscribeReport:
    requested: int = 0  # subscription requests the hub accepted
    failed: int = 0  # requests refused, unanswered or unverified
    given_up: int = 0  # subscriptions now "failed": their feeds are polled normally
    unsubscribed: int = 0  # subscriptions of feeds nobody needs, ended at the hub


class Subscriber:
    """Runs the subscription requests that are due; one pass per job tick."""

    def __init__(self, db: Database, fetcher: Fetcher, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.fetcher = fetcher
        self.settings = settings
        self.clock = clock

    async def run_once(self) -> SubscribeReport:
        report = SubscribeReport()
        requests = await asyncio.to_thread(self._due, report)
        gate = asyncio.Semaphore(self.settings.poll.concurrency)

        async def one(request: _Request) -> None:
            async with gate:
                result = await self.fetcher.post_form(
                    request.hub_url,
                    request.form,
                    public=request.chat_feed,
                    allow_private=self.settings.telegram.allow_private_urls,
                )
            await asyncio.to_thread(self._answered, request.feed_id, result, report)

        await asyncio.gather(*(one(r) for r in requests))
        return report

    def _due(self, report: SubscribeReport) -> list[_Request]:
        """Decide each subscription's step; stamp the requests to send now."""
        now, options = self.clock.now(), self.settings.websub
        requests = []
        with self.db.session() as session:
            followed = exists().where(ChatSource.feed_id == Feed.id)
            needed = Feed.active & or_(Feed.public, followed, Feed.search_source.is_not(None))
            rows = session.execute(
                select(WebSubSubscription, Feed.public, needed)
                .join(Feed, Feed.id == WebSubSubscription.feed_id)
                .where(WebSubSubscription.state.in_(["requested", "active"]))
                .with_for_update(skip_locked=True, of=WebSubSubscription)  # one worker each
            ).all()
            for row, public, wanted in rows:
                if not wanted:
                    if row.requested_at is not None or row.state == "active":  # the hub knows it
                        form = self._form(row) | {"hub.mode": "unsubscribe"}
                        requests.append(_Request(row.feed_id, row.hub_url, form, not public))
                    row.state, row.requested_at = "unsubscribed", now
                    report.unsubscribed += 1
                    log.info("feed %s: no longer needed, unsubscribing at its hub", row.feed_id)
                    continue
                step = next_step(row, now, options)
                if step == "expired":
                    self._give_up(row, "the lease ended before the hub confirmed a renewal")
                    report.given_up += 1
                elif step == "unverified":
                    report.failed += 1
                    report.given_up += self._failed(row, "the hub did not verify in time")
                elif step in {"subscribe", "renew"}:
                    row.requested_at = now
                    requests.append(_Request(row.feed_id, row.hub_url, self._form(row), not public))
        return requests

    def _form(self, row: WebSubSubscription) -> dict[str, str]:
        return {
            "hub.mode": "subscribe",
            "hub.topic": row.topic_url,
            "hub.callback": callback_url(self.settings.websub, row.token),
            "hub.secret": row.secret,
            "hub.lease_seconds": str(self.settings.websub.lease_seconds),
        }

    def _answered(self, feed_id: int, result: FetchResult, report: SubscribeReport) -> None:
        with self.db.session() as session:
            row = session.get(WebSubSubscription, feed_id)
            if row is not None and row.state == "unsubscribed":  # one attempt, see above
                log.info("feed %s: unsubscribe sent to the hub (%s)", feed_id, result.error or "ok")
                return
        if result.error is None:
            report.requested += 1
            log.info("feed %s: the WebSub hub accepted the request", feed_id)
        else:
            report.failed += 1
        with self.db.session() as session:
            row = session.get(WebSubSubscription, feed_id)
            if row is None or not _pending(row):  # verified meanwhile (a quick hub), or gone
                return
            if result.error is None:
                row.last_error = None  # now awaiting the hub's verification
            else:
                report.given_up += self._failed(row, f"hub: {result.error}")

    def _failed(self, row: WebSubSubscription, error: str) -> int:
        """Count a failure; 1 when that was the last one allowed (the subscription gives up)."""
        row.failures += 1
        row.last_error = error[:2000]
        row.requested_at = self.clock.now()
        log.warning(
            "feed %s: WebSub attempt %d failed: %s", row.feed_id, row.failures, row.last_error
        )
        if row.failures >= self.settings.websub.max_failures:
            self._give_up(row, error)
            return 1
        return 0

    def _give_up(self, row: WebSubSubscription, error: str) -> None:
        row.state, row.last_error = "failed", error[:2000]
        row.requested_at = self.clock.now()
        log.warning(
            "feed %s: WebSub subscription failed (%s); polling it again", row.feed_id, error
        )
