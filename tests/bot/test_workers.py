"""Several worker processes on one PostgreSQL database: every message goes out exactly once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.store import Chat, Outbox, OutboxStatus, open_database
from tests.fakes.botapi import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
CHATS, PER_CHAT = 40, 5
BUDGET = 20  # messages a second, overall
LEADS = "this worker receives Telegram updates (leader)"
STANDS_BY = "another worker talks to Telegram"


@pytest.fixture
def pg_schema_url(postgres_url: str) -> Iterator[str]:
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{postgres_url}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


def start_worker(
    name: str, url: str, fake: FakeBotApi, config: Path, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_BASE_URL": fake.base_url,
        "NEWSBOT_DATABASE_URL": url,
        "NEWSBOT_CONFIG": str(config),
        "NEWSBOT_WORKER_NAME": name,
    }
    with log.open("wb") as stderr:  # the child keeps its own copy of the file
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "run", "--role", "deliver"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def test_two_workers_send_every_message_exactly_once_within_one_budget(
    pg_schema_url: str, tmp_path: Path
) -> None:
    """One worker talks to Telegram at a time; the other stands by and takes over when the
    first stops, so what Telegram sees stays within one budget and nothing goes twice."""
    now = datetime.now(UTC)
    db = open_database(pg_schema_url)
    expected = []
    with db.session() as session:
        for chat_id in range(1, CHATS + 2):
            claim = {}
            if chat_id == CHATS + 1:  # held by a worker that is still alive elsewhere
                claim = {"claimed_by": "elsewhere", "claimed_until": now + timedelta(hours=1)}
            if chat_id == 1:  # left behind by a worker that died: the lease ran out
                claim = {"claimed_by": "dead", "claimed_until": now - timedelta(minutes=1)}
            session.add(Chat(id=chat_id, created_at=now, **claim))
        session.flush()
        for n in range(PER_CHAT):
            for chat_id in range(1, CHATS + 2):
                text = f"message {n} for chat {chat_id}"
                if chat_id <= CHATS:
                    expected.append(text)
                session.add(
                    Outbox(chat_id=chat_id, kind="alert", text=text, not_before=now, created_at=now)
                )
    config = tmp_path / "newsbot.toml"
    config.write_text(
        "[schedule]\npoll_interval = 0\ndigest_interval = 0\ndeliver_interval = 0.1\n"
        f"[delivery]\nprivate_per_second = 5\noverall_per_second = {BUDGET}\n"
        "chats_per_pass = 4\nbatch = 20\n",
        encoding="utf-8",
    )
    with FakeBotApi() as fake:
        fake.enforce_limits(per_chat_per_s=5, global_per_s=BUDGET, group_per_min=None)
        for chat_id in range(1, CHATS + 2):
            fake.add_chat(chat_id, "private", title=f"user {chat_id}")
        logs = {name: tmp_path / f"{name}.log" for name in ("w1", "w2")}
        workers = {
            name: start_worker(name, pg_schema_url, fake, config, log) for name, log in logs.items()
        }
        try:
            fake.wait_for_sent(len(expected) // 2, timeout=90)
            leader = next(n for n, log in logs.items() if LEADS in log.read_text(encoding="utf-8"))
            workers[leader].terminate()  # a clean stop: it finishes its send and gives up the lead
            workers[leader].wait(timeout=30)
            fake.wait_for_sent(len(expected), timeout=90)
        finally:
            for worker in workers.values():
                worker.terminate()
            for worker in workers.values():
                worker.wait(timeout=30)
        sent = [m["text"] for m in fake.sent()]
        refused = [c for c in fake.calls("sendMessage") if c["status"] == 429]
        busiest = fake.busiest_second()

    assert Counter(sent) == Counter(expected)  # all of them, none twice
    assert refused == [] and busiest <= BUDGET  # within Telegram's limits, as the fake counts
    with db.session() as session:
        rows = session.scalars(select(Outbox)).all()
        by = {r.sent_by for r in rows if r.status == OutboxStatus.SENT}
        held = [r for r in rows if r.chat_id == CHATS + 1]
    db.dispose()
    assert by == {"w1", "w2"}  # the standby took over
    assert {r.status for r in held} == {OutboxStatus.PENDING}  # a live claim is respected
    texts = {name: log.read_text(encoding="utf-8") for name, log in logs.items()}
    standby = next(n for n in texts if n != leader)
    assert STANDS_BY in texts[standby] and LEADS in texts[standby]  # waited, then led
    assert STANDS_BY not in texts[leader]
    assert all(fake.token not in t for t in texts.values())  # and the token is in no log line


def test_a_restarted_worker_takes_back_its_own_claims_at_once(tmp_path: Path) -> None:
    from bot.services import release_claims
    from bot.store import Feed

    now = datetime.now(UTC)
    db = open_database(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with db.session() as session:
        session.add_all(
            [
                Chat(
                    id=1,
                    created_at=now,
                    claimed_by="deliver-1",
                    claimed_until=now + timedelta(hours=1),
                ),
                Chat(
                    id=2,
                    created_at=now,
                    claimed_by="deliver-2",
                    claimed_until=now + timedelta(hours=1),
                ),
                Feed(
                    url="f",
                    created_at=now,
                    claimed_by="deliver-1",
                    claimed_until=now + timedelta(hours=1),
                ),
            ]
        )
    release_claims(db, "deliver-1")
    with db.session() as session:
        assert [c.claimed_by for c in session.scalars(select(Chat).order_by(Chat.id))] == [
            None,
            "deliver-2",  # another live worker's claim stays
        ]
        assert session.scalars(select(Feed.claimed_by)).one() is None
    db.dispose()


def test_claims_of_a_dead_process_on_this_host_are_taken_back(tmp_path: Path) -> None:
    import socket

    from bot.services import release_claims

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    now = datetime.now(UTC)
    later = now + timedelta(hours=1)
    here = socket.gethostname()
    db = open_database(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    with db.session() as session:
        session.add_all(
            [
                Chat(id=1, created_at=now, claimed_by=f"{here}:{gone.pid}", claimed_until=later),
                Chat(id=2, created_at=now, claimed_by=f"{here}:{os.getpid()}", claimed_until=later),
            ]
        )
    release_claims(db, "someone-else")
    with db.session() as session:
        holders = session.scalars(select(Chat.claimed_by).order_by(Chat.id)).all()
    db.dispose()
    assert holders == [None, f"{here}:{os.getpid()}"]  # the living process keeps its claim
