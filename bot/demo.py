"""`newsbot demo`: the whole flow once, on the bundled sample feeds, offline, in seconds.

It replays one news day: the clock is frozen at the afternoon the sample stories were published,
the sample feeds are read from files and their article pages are served from disk through an
httpx transport (the same client code that fetches real pages), a demo chat subscribes to the
configured queries, and every alert and the next morning's digest are printed exactly as they
would be sent.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import httpx
from sqlalchemy import func, select

from bot.chat.prefs import Caller, ensure_chat, set_timezone
from bot.chat.subscriptions import subscribe
from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.ingest import PollReport
from bot.services import Services
from bot.settings import Settings
from bot.store import Article, Chat, Feed, Story

__all__ = ["BundledPages", "run_demo"]

log = logging.getLogger(__name__)
DEMO_NOW = datetime(2025, 12, 21, 15, 0, tzinfo=UTC)


class BundledPages(httpx.MockTransport):
    """Serves `https://host/path/` from `root/host/path/index.html`: the sample outlets' pages."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        super().__init__(self._serve)

    def _serve(self, request: httpx.Request) -> httpx.Response:
        path = (self.root / request.url.host / request.url.path.lstrip("/")).resolve()
        if path.is_dir():
            path = path / "index.html"
        if not path.is_relative_to(self.root) or not path.is_file():
            return httpx.Response(404, text="not found", request=request)
        return httpx.Response(
            200,
            content=path.read_bytes(),
            headers={"content-type": "text/html; charset=utf-8"},
            request=request,
        )


def _heading(out: TextIO, text: str) -> None:
    print(f"\n{'═' * 72}\n{text}\n{'═' * 72}", file=out)


def _poll_table(reports: list[PollReport], out: TextIO) -> None:
    print(
        f"{'feed':<26} {'outcome':<13} {'new':>4} {'stories':>8} {'joined':>7} {'alerts':>7}",
        file=out,
    )
    for r in reports:
        line = (
            f"{r.feed[:26]:<26} {r.outcome:<13} {r.new_articles:>4} {r.new_stories:>8} "
            f"{r.joined:>7} {r.alerts:>7}"
        )
        if r.error:
            line += f"   ✗ {r.error[:60]}"
        print(line, file=out)


def _stories_table(services: Services, out: TextIO) -> None:
    with services.db.session() as session:
        for story in session.scalars(select(Story).order_by(Story.id)):
            sources = list(dict.fromkeys(a.source for a in story.articles))
            print(f"#{story.id} {story.title[:64]}", file=out)
            print(f"    sources ({len(sources)}): {', '.join(sources)}", file=out)


async def run_demo(settings: Settings, out: TextIO) -> int:
    base = settings.config_path.parent if settings.config_path else Path.cwd()
    clock = FrozenClock(DEMO_NOW)
    console = ConsoleChannel(out)
    with tempfile.TemporaryDirectory(prefix="newsbot-demo-") as tmp:
        if not settings.database_url:
            settings = settings.model_copy(update={"data_dir": Path(tmp)})
        transport = BundledPages(base / settings.demo.pages)
        services = Services.build(settings, console, clock=clock, transport=transport)
        try:
            return await _replay(services, settings, clock, console, out)
        finally:
            await services.aclose()


async def _replay(
    services: Services, settings: Settings, clock: FrozenClock, console: ConsoleChannel, out: TextIO
) -> int:
    demo = settings.demo
    with services.db.session() as session:
        chat = ensure_chat(session, demo.chat_id, clock.now(), settings, title="demo chat")
        set_timezone(chat, demo.timezone, clock.now())
        for query in demo.queries:
            caller = Caller(demo.chat_id, title="demo chat")
            understood = subscribe(session, caller, query, clock.now(), settings).query.describe()
            print(f"demo chat subscribes to {query!r} → {understood}", file=out)

    _heading(out, f"1. Polling {len(settings.feeds)} feeds at {clock.now():%Y-%m-%d %H:%M} UTC")
    # One feed after the other, in the config's order, so the replay reads the same every time
    # (the service polls them concurrently).
    with services.db.session() as session:
        feed_ids = session.scalars(select(Feed.id).order_by(Feed.id)).all()
    reports = [report for fid in feed_ids for report in await services.pipeline.poll([fid])]
    _poll_table(reports, out)

    _heading(out, "2. Stories (near-duplicates from different outlets join one story)")
    _stories_table(services, out)

    _heading(out, "3. Alerts, as sent")
    alerts = await services.outbox.drain()

    with services.db.session() as session:
        demo_chat = session.get(Chat, demo.chat_id)
        assert demo_chat is not None and demo_chat.next_digest_at is not None
        digest_at = demo_chat.next_digest_at
    clock.set(digest_at)
    _heading(
        out, f"4. The digest at the chat's local time ({demo.timezone}, {digest_at:%H:%M} UTC)"
    )
    await services.queue_digests()
    digest = await services.outbox.drain()

    _heading(out, "Summary")
    with services.db.session() as session:
        articles = session.scalar(select(func.count(Article.id))) or 0
        stories = session.scalar(select(func.count(Story.id))) or 0
    failed = sum(1 for r in reports if r.outcome == "failed")
    print(
        f"{articles} articles → {stories} stories; {alerts.sent} alerts and {digest.sent} digest "
        f"message(s) sent; {failed} feed(s) failed and were reported, the others went on.",
        file=out,
    )
    return 0


def main_demo(settings: Settings, out: TextIO) -> int:
    return asyncio.run(run_demo(settings, out))
