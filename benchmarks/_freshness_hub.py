"""The WebSub hub of benchmarks/freshness.py, as the bot sees it: verification of intent and
signed content, handed to the bot's real `bot.websub.Callback` (not over HTTP: the callback's
HTTP server is the health server, and its request thread would add nothing but wall time).

The bot's poll finds `<atom:link rel="hub">` in a hub feed and `note_hub` records a
"requested" subscription. The subscriber job's POST to the hub is skipped: the simulated hub
accepts at once and verifies (a GET with `hub.challenge`) right after the poll pass that found
it. From then on the hub pushes each new entry at its publication time: the feed document as
it is then, signed with the subscription's `hub.secret` (HMAC-SHA256), to the callback; what
the callback accepts goes to `Pipeline.push`, awaited, so the alert is queued at that same
simulated moment.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

from _freshness_model import World, feed_document
from sqlalchemy import select

from bot.clock import Clock
from bot.health import Request
from bot.ingest import Pipeline
from bot.settings import WebSubSettings
from bot.store import Database, WebSubSubscription
from bot.websub.callback import Callback

__all__ = ["SimHub"]


class SimHub:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: WebSubSettings,
        pipeline: Pipeline,
        world: World,
        db_ids: dict[int, int],  # sim feed id -> the bot's feed id
        hub_url: str,
    ) -> None:
        self.db, self.pipeline, self.world, self.db_ids = db, pipeline, world, db_ids
        self.hub_url = hub_url
        self._queue: list[tuple[int, bytes, str | None]] = []
        self.callback = Callback(db, clock, settings, self._sink)
        self.active: dict[int, tuple[str, str]] = {}  # bot feed id -> (token, secret)
        self.refused = 0

    def _sink(self, feed_id: int, body: bytes, content_type: str | None) -> bool:
        self._queue.append((feed_id, body, content_type))
        return True

    def verify_requested(self) -> int:
        """Answer every subscription the bot asked for: the callback must echo the challenge."""
        with self.db.session() as session:
            rows = session.execute(
                select(
                    WebSubSubscription.feed_id,
                    WebSubSubscription.token,
                    WebSubSubscription.topic_url,
                ).where(WebSubSubscription.state == "requested")
            ).all()
        for feed_id, token, topic in rows:
            challenge = secrets.token_hex(8)
            query = urlencode(
                {
                    "hub.mode": "subscribe",
                    "hub.topic": topic,
                    "hub.challenge": challenge,
                    "hub.lease_seconds": "864000",
                }
            )
            answer = self.callback.verify(token, query)
            if answer.status == 200 and answer.body.strip() == challenge.encode():
                self.active[feed_id] = self._secret(feed_id)
            else:
                self.refused += 1
        return len(rows)

    def _secret(self, feed_id: int) -> tuple[str, str]:
        with self.db.session() as session:
            row = session.get(WebSubSubscription, feed_id)
            assert row is not None
            return row.token, row.secret

    async def publish(self, sim_feed: int, published: int) -> bool:
        """The feed's `published`-th entry is out: push the document to the subscriber, if
        any. True when pushed."""
        feed_id = self.db_ids[sim_feed]
        if feed_id not in self.active:
            return False
        token, secret = self.active[feed_id]
        feed = self.world.feeds[sim_feed]
        body = feed_document(feed, self.world, published, self.hub_url)
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        headers = {"content-type": "application/rss+xml", "x-hub-signature": signature}
        self.callback.receive(token, Request("POST", token, "", headers, body))
        queued, self._queue = self._queue, []
        for fid, content, ctype in queued:
            await self.pipeline.push(fid, content, ctype)
        return bool(queued)
