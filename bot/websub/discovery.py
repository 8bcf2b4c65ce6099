"""A feed's WebSub hub and topic, and the subscription row that follows them (W3C WebSub §4).

The HTTP `Link` header wins over the document's own `<link rel="hub">` / `rel="self"`: the spec
asks subscribers to prefer it, and hub and topic are taken from the same place so a document's
self link never pairs with a header's hub. The topic defaults to the URL fetched. Every poll
that sees a hub refreshes the row: a new hub or topic is subscribed afresh, and a subscription
that failed is tried again once `websub.retry_failed_after` has passed.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot.fetch import FetchResult
from bot.parse import ParsedFeed
from bot.settings import WebSubSettings
from bot.store import WebSubSubscription

__all__ = ["Hub", "find_hub", "note_hub"]

log = logging.getLogger(__name__)

MAX_URL = 2048


@dataclass(frozen=True)
class Hub:
    hub_url: str
    topic_url: str


def find_hub(result: FetchResult, parsed: ParsedFeed | None) -> Hub | None:
    """The hub and topic a poll's answer names, or None when it names no usable hub."""
    if result.hub_url:
        hub, topic = result.hub_url, result.self_url or result.url
    elif parsed is not None and parsed.hub_url:
        hub, topic = parsed.hub_url, parsed.self_url or result.url
    else:
        return None
    if not hub.startswith(("http://", "https://")) or len(hub) > MAX_URL or len(topic) > MAX_URL:
        return None
    return Hub(hub, topic)


def note_hub(
    session: Session, feed_id: int, hub: Hub, now: datetime, settings: WebSubSettings
) -> WebSubSubscription:
    """Record the feed's hub: a new row waits for the subscriber job ("requested"); a row whose
    hub or topic changed, that failed long enough ago, or that was unsubscribed (the feed is
    polled, so it is needed again) is requested again."""
    row = session.get(WebSubSubscription, feed_id)
    if row is None:
        row = WebSubSubscription(
            feed_id=feed_id,
            hub_url=hub.hub_url,
            topic_url=hub.topic_url,
            token=secrets.token_urlsafe(32),
            secret=secrets.token_hex(32),
            state="requested",
            failures=0,
        )
        session.add(row)
        log.info("feed %s: WebSub hub %s for topic %s", feed_id, hub.hub_url, hub.topic_url)
        return row
    moved = (row.hub_url, row.topic_url) != (hub.hub_url, hub.topic_url)
    retry = timedelta(seconds=settings.retry_failed_after)
    stale = row.state == "failed" and (row.requested_at is None or row.requested_at + retry <= now)
    if moved or stale or row.state == "unsubscribed":  # (polled: followed again)
        log.info("feed %s: WebSub subscription requested again at %s", feed_id, hub.hub_url)
        row.hub_url, row.topic_url = hub.hub_url, hub.topic_url
        row.state, row.failures, row.requested_at, row.last_error = "requested", 0, None, None
        if moved:  # a new hub gets a new secret; the old hub's pushes no longer verify
            row.secret = secrets.token_hex(32)
    return row
