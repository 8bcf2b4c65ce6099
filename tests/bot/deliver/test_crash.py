"""The real service, killed with SIGKILL in the middle of a digest fan-out and started again:
every chat gets its digest, and a kill repeats at most the one message that was in flight.

`newsbot run` runs as a child process against the fake Bot API (a thread of this process) and a
SQLite file. Before the first start, 80 chats wait for a digest that is due now. The child is
killed at seeded random points of the fan-out (right after the fake accepted the k-th message,
which is when a message is most likely accepted but not yet marked sent), restarted, killed
again, and finally left to finish and stopped with SIGTERM.
"""

from __future__ import annotations

import json
import random
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.chat.prefs import ensure_chat
from bot.settings import Settings
from bot.store import Article, Chat, Feed, Outbox, OutboxStatus, Story, open_database
from tests.fakes.botapi import FakeBotApi
from tests.fakes.service import Service

CHATS = range(1, 201)
KILLS = 20
BATCH = 8  # delivery.batch: outbox rows taken per pass
SEED = 20251221

# A restarted worker takes back the chats it had claimed only if it has the same name (the
# default, host:pid, changes with every start, and the claims then wait out their lease).
CONFIG = f"""\
worker_name = "crash-test"

[schedule]
poll_interval = 3600      # no feeds are configured; this job has nothing to do
digest_interval = 0.2
deliver_interval = 0.1

[delivery]
batch = {BATCH}
max_in_flight = 1         # the bound under test: one send awaiting its answer at a time
overall_per_second = 40   # a few seconds of fan-out, so the kills land inside it
private_per_second = 1000
group_per_minute = 60000

[telegram]
poll_timeout = 1
"""


def prepare(url: str, stories: list[dict[str, str]]) -> None:
    """Chats whose digest is due now, and stories from the last hour for it to carry."""
    now = datetime.now(UTC)
    settings = Settings(database_url=url)
    db = open_database(url)
    try:
        with db.session() as session:
            feed = Feed(url="https://www.bbc.co.uk/news/rss.xml", name="BBC News", created_at=now)
            session.add(feed)
            for n, row in enumerate(stories):
                sentences = row["text"].split(". ")
                story = Story(
                    title=row["title"],
                    url=f"https://www.bbc.co.uk/news/{row['id']}",
                    summary=[s.rstrip(".") + "." for s in sentences[:2]],
                    language="en",
                    created_at=now - timedelta(minutes=50 - n),
                    updated_at=now,
                    source_count=1,
                )
                session.add(story)
                session.add(
                    Article(
                        feed=feed,
                        story=story,
                        guid=row["id"],
                        url=story.url,
                        title=row["title"],
                        text=row["text"],
                        source="BBC News",
                        fetched_at=story.created_at,
                    )
                )
            for chat_id in CHATS:
                chat = ensure_chat(session, chat_id, now - timedelta(days=2), settings)
                chat.next_digest_at = now - timedelta(minutes=1)
    finally:
        db.dispose()


def outbox_rows(url: str) -> list[Outbox]:
    db = open_database(url, upgrade=False)
    try:
        with db.session() as session:
            return list(session.scalars(select(Outbox)))
    finally:
        db.dispose()


def left_to_send(url: str) -> int:
    """Digests not yet marked sent; queued or not, the next run sends each of them once."""
    return len(CHATS) - sum(r.status == OutboxStatus.SENT for r in outbox_rows(url))


def test_sigkill_during_digest_fan_out_loses_nothing_and_repeats_only_in_flight_messages(
    tmp_path: Path, shared_dir: Path
) -> None:
    rng = random.Random(SEED)
    bbc = shared_dir / "data" / "summarization" / "bbc_news_summary" / "bbc_news_summary.jsonl"
    with bbc.open(encoding="utf-8") as lines:
        stories = [json.loads(next(lines)) for _ in range(4)]
    url = f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    prepare(url, stories)

    with FakeBotApi() as fake:
        for chat_id in CHATS:
            fake.add_chat(chat_id, "private", title=f"Reader {chat_id}")
        service = Service(fake, tmp_path, url, CONFIG)
        in_flight_at_kill: list[int] = []
        try:
            for _ in range(KILLS):
                # A seeded random point, never past what this run has left to send.
                step = min(rng.randint(1, 8), left_to_send(url))
                service.start()
                service.wait_until_sent(len(fake.sent()) + step)
                assert service.stop(signal.SIGKILL) == -signal.SIGKILL
                # Accepted by Telegram but not marked sent: what the next run sends again.
                told = {m["chat_id"] for m in fake.sent()}
                pending = [r for r in outbox_rows(url) if r.status == OutboxStatus.PENDING]
                in_flight_at_kill.append(sum(r.chat_id in told for r in pending))

            # The last run, left alone, sends every digest not yet marked sent, each once.
            expected_total = len(fake.sent()) + left_to_send(url)
            service.start()
            service.wait_until_sent(expected_total)
            assert service.stop(signal.SIGTERM) == 0, service.tail()
        finally:
            service.kill()

        sent = fake.sent()
    per_chat = Counter(m["chat_id"] for m in sent)
    repeats = sum(n - 1 for n in per_chat.values())

    rows = outbox_rows(url)
    db = open_database(url, upgrade=False)
    try:
        with db.session() as session:
            due_again = [c.next_digest_at for c in session.scalars(select(Chat))]
    finally:
        db.dispose()

    # No digest lost and none queued twice: one row per chat, all marked sent, each delivered.
    assert sorted(r.chat_id for r in rows) == list(CHATS)
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert set(per_chat) == set(CHATS)
    assert all(when > datetime.now(UTC) for when in due_again)  # tomorrow's, not another now
    texts = {r.chat_id: r.text for r in rows}
    assert all(m["text"] == texts[m["chat_id"]] for m in sent)  # a repeat is the same digest
    assert stories[0]["title"] in sent[0]["visible_text"]

    # The bound: a message is marked as sent before the next one is sent (delivery.max_in_flight
    # is 1 here; the default of 4 repeats at most 4), so at any instant at most one message is
    # accepted by Telegram and not yet noted: a kill leaves at most that one to send again, and
    # the run after it sends it once.
    assert all(n <= 1 for n in in_flight_at_kill), in_flight_at_kill
    assert repeats <= KILLS, (repeats, in_flight_at_kill)
    # A repeat comes only from a row found in flight at some kill.
    assert repeats <= sum(in_flight_at_kill), (repeats, in_flight_at_kill)
