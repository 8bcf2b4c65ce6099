"""`--workers 2`: two real `newsbot run --role deliver` processes share one PostgreSQL outbox
and send to the fake Bot API with Telegram's limits on. What the fake saw says whether they
kept to one budget (the busiest second) and sent every queued message exactly once."""

from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa
from _load_data import make_due
from _load_delivery import TELEGRAM, set_aside_pending
from _load_measure import Fake, Report

from bot.digest import queue_due_digests
from bot.services import Services
from bot.store import Outbox, OutboxStatus

CONFIG = "[schedule]\npoll_interval = 0\ndigest_interval = 0\ndeliver_interval = 0.2\n"
POLL = 0.5  # seconds between looks at the fake's count (a benchmark, not a test: no event)


def _peak_mb(pid: int) -> float:
    """A living process's peak resident set (VmHWM), MB; 0 when it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    return int(line.split()[1]) / 1024


def two_workers(
    report: Report, services: Services, fake: Fake, url: str, ids: list[int], folder: Path
) -> None:
    """Digests for `ids` queued, then sent by two worker processes until the fake has them all
    (or a generous time limit passes)."""
    # The same process as the test starts; imported here, as it brings pytest into the bot's
    # process (4 MB) that the other phases measure.
    from tests.bot.test_workers import start_worker

    set_aside_pending(services.db)
    now = services.clock.now()
    make_due(services.db, ids, now)
    queue_due_digests(services.db, now, services.settings.digest)
    with services.db.session() as session:
        expected = Counter(
            (chat_id, text)
            for chat_id, text in session.execute(
                sa.select(Outbox.chat_id, Outbox.text).where(Outbox.status == OutboxStatus.PENDING)
            )
        )
    fake.limits(**TELEGRAM)
    before = len(fake.sent_since(0)[0])
    config = folder / "workers.toml"
    config.write_text(CONFIG, encoding="utf-8")
    logs = {name: folder / f"{name}.log" for name in ("w1", "w2")}
    t0 = time.monotonic()
    # start_worker wants a FakeBotApi; it reads only .token and .base_url, which Fake has.
    workers = {name: start_worker(name, url, fake, config, log) for name, log in logs.items()}  # type: ignore[arg-type]
    limit = 180 + expected.total() / 10
    sent: list[tuple[int, str, float]] = []
    peaks = dict.fromkeys(workers, 0.0)
    try:
        while time.monotonic() - t0 < limit:
            sent = fake.sent_since(before)[0]
            peaks = {n: max(peaks[n], _peak_mb(w.pid)) for n, w in workers.items()}
            if len(sent) >= expected.total() or any(w.poll() is not None for w in workers.values()):
                break
            time.sleep(POLL)
        time.sleep(2.0)  # a late duplicate would show up here
    finally:
        for worker in workers.values():
            worker.send_signal(signal.SIGTERM)
        for worker in workers.values():
            worker.wait(timeout=60)
    elapsed = time.monotonic() - t0
    sent, most = fake.sent_since(before)
    got = Counter((chat_id, text) for chat_id, text, _ in sent)
    once = got == expected
    report.figures["two_workers_max_rate"] = most
    report.figures["two_workers_delivered_once"] = once
    report.figures["two_workers_peak_rss_mb"] = round(max(peaks.values()), 1)
    twice = sum(n - 1 for n in got.values() if n > 1)
    missing = sum((expected - got).values())
    report.add(
        "two `newsbot run --role deliver` processes on one PostgreSQL outbox (fake's limits on)",
        f"{len(ids):,} chats' digests, {expected.total():,} messages; both started at once",
        f"{len(sent):,} arrived in {elapsed:.0f} s (from process start); busiest second "
        f"{most} messages (limit 30); every message exactly once: {once} ({missing} missing, "
        f"{twice} twice); worker peak RSS {max(peaks.values()):.0f} MB",
    )
    if not once or any(w.returncode not in (0, -signal.SIGTERM) for w in workers.values()):
        for name, log in logs.items():
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            report.notes.append(f"{name}'s log, last lines:\n\n" + "\n".join(tail))
