"""`newsbot run` stops cleanly and soon: SIGTERM ends the process within 10 s (a systemd stop
waits 90 s by default, then kills) even while a feed never answers and a fan-out is running,
and the outbox has recorded every message Telegram accepted."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.store import Chat, Outbox, OutboxStatus, open_database
from tests.fakes.botapi import FakeBotApi
from tests.fakes.feeds import FeedServer, Route
from tests.fakes.service import Service

CHATS = range(1, 301)
STOP_WITHIN = 10.0  # seconds: the requirement


def config(feed_url: str) -> str:
    return f"""\
[[feeds]]
url = "{feed_url}"
name = "A site that never answers"
interval = 10

[poll]
timeout = 60              # longer than the stop may take: the stop must not wait for it

[schedule]
poll_interval = 0.2
digest_interval = 0
deliver_interval = 0.1

[delivery]
overall_per_second = 20   # fifteen seconds of fan-out: the stop lands inside it

[telegram]
poll_timeout = 1
"""


def queue_fan_out(url: str) -> None:
    now = datetime.now(UTC)
    db = open_database(url)
    try:
        with db.session() as session:
            for chat_id in CHATS:
                session.add(Chat(id=chat_id, created_at=now, next_digest_at=now + timedelta(1)))
            session.flush()
            for chat_id in CHATS:
                session.add(
                    Outbox(
                        chat_id=chat_id,
                        kind="digest",
                        text=f"digest {chat_id}",
                        not_before=now,
                        created_at=now,
                    )
                )
    finally:
        db.dispose()


def test_sigterm_stops_within_ten_seconds_during_a_hanging_fetch_and_a_fan_out(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    hang = threading.Event()
    feed_url = feed_server.route("/slow.xml", Route(b"<rss/>", block=hang))
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    queue_fan_out(url)
    with FakeBotApi() as fake:
        for chat_id in CHATS:
            fake.add_chat(chat_id, "private")
        service = Service(fake, tmp_path, url, config(feed_url))
        try:
            service.start()
            assert feed_server.wait_for_hits("/slow.xml", 1, timeout=60)  # the fetch now hangs
            service.wait_until_sent(20)  # the fan-out is under way
            started = time.monotonic()
            code = service.stop(signal.SIGTERM, timeout=60)
            took = time.monotonic() - started
        finally:
            hang.set()
            service.kill()
        accepted = [m["text"] for m in fake.sent()]

    db = open_database(url, upgrade=False)
    with db.session() as session:
        sent = [
            r.text
            for r in session.scalars(select(Outbox).where(Outbox.status == OutboxStatus.SENT))
        ]
    db.dispose()
    assert code == 0, service.tail()
    assert took < STOP_WITHIN, (took, service.tail())
    assert len(accepted) < len(CHATS)  # stopped in the middle of the fan-out
    assert sorted(sent) == sorted(accepted)  # every accepted message is recorded as sent
