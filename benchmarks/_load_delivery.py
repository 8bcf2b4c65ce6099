"""The load benchmark's delivery phases: alerts and digests through the real paced channel
(`TelegramChannel` on an `ExtBot` paced by our `PacedRateLimiter`) against the fake Bot API
with Telegram's limits on; digest queueing; the fan-out's ceiling with the limits raised."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import time

import sqlalchemy as sa
from _load_data import make_due
from _load_measure import Fake, FakeWatch, Report, cpu_s, top_functions
from _load_phases import paced_bot

from bot.deliver import OutboxWorker
from bot.digest import queue_due_digests
from bot.services import Services
from bot.store import Database, Outbox, OutboxStatus
from bot.telegram.pacing import Pacer, Pacing
from bot.telegram.send import TelegramChannel

TELEGRAM = {"per_chat_per_s": 1, "global_per_s": 30, "group_per_min": 20}
RAISED = {"per_chat_per_s": None, "global_per_s": 100_000, "group_per_min": None}
RAISED_PACING = Pacing(
    overall_per_second=100_000, private_per_second=1_000, group_per_minute=60_000
)


def configured_pacing(services: Services) -> Pacing:
    """Our pacing as the application configures it (settings.delivery)."""
    d = services.settings.delivery
    return Pacing(
        overall_per_second=d.overall_per_second,
        private_per_second=d.private_per_second,
        group_per_minute=d.group_per_minute,
        headroom=d.headroom,
    )


def pending(db: Database) -> int:
    with db.session() as session:
        stmt = sa.select(sa.func.count()).where(Outbox.status == OutboxStatus.PENDING)
        return int(session.scalar(stmt) or 0)


@contextlib.asynccontextmanager
async def outbox_on(services: Services, fake: Fake, pacing: Pacing):  # type: ignore[no-untyped-def]
    """An OutboxWorker configured as the service's, on its own paced bot (its own pacing),
    and that bot's `Pacer` (for its `late_seconds`)."""
    bot_ = paced_bot(fake, pacing)
    d = services.settings.delivery
    async with bot_:
        worker = OutboxWorker(
            services.db,
            TelegramChannel(bot_, timeout_backoff=d.retry_backoff),
            services.clock,
            batch=d.batch,
            chats_per_pass=d.chats_per_pass,
            lease=d.claim_seconds,
            worker=services.outbox.worker,
            in_flight=d.max_in_flight,
        )
        yield worker, bot_.rate_limiter.pacer  # type: ignore[union-attr]


async def deliver(outbox: OutboxWorker, seconds: float) -> float:
    """Outbox passes as the deliver job runs them (a pass, or a 1 s tick when nothing was due)
    until nothing is pending or `seconds` have passed; returns the time taken."""
    start = time.monotonic()
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                report = await outbox.run_once()
                if report.sent + report.retried + report.rejected + report.undeliverable == 0:
                    if await asyncio.to_thread(pending, outbox.db) == 0:
                        break
                    await asyncio.sleep(1.0)  # retries not due yet: the job's next tick
    return time.monotonic() - start


def passes(services: Services) -> str:
    d = services.settings.delivery
    return (
        f"OutboxWorker (up to {d.chats_per_pass} chats at once, claimed as others finish; "
        f"{d.max_in_flight} in flight)"
    )


def kept_up(pacer: Pacer, elapsed: float) -> str:
    """Whether this process kept up with the rate: the overall budget it lost because its
    event loop served a waiting send after the send's slot (a busy machine's doing)."""
    return f"{pacer.late_seconds:.2f} s of the {elapsed:.0f} s lost to a late event loop"


async def alerts_at_limits(report: Report, services: Services, fake: Fake, seconds: float) -> None:
    fake.limits(**TELEGRAM)
    pacing = configured_pacing(services)
    queued = await asyncio.to_thread(pending, services.db)
    watch = FakeWatch(fake)
    async with outbox_on(services, fake, pacing) as (outbox, pacer):
        start = time.monotonic()
        elapsed = await deliver(outbox, seconds)
    sends = watch.since()
    rate = sends.ok / elapsed
    late = kept_up(pacer, elapsed)
    sent, _ = fake.sent_since(watch.statuses[200])
    report.notes.append("Alerts: " + timeline(sent, start, elapsed))
    left = await asyncio.to_thread(pending, services.db)
    more = f"{left / rate / 60:,.0f} min more at this rate" if rate else "no progress"
    report.figures["delivery_rate_fraction"] = round(rate / pacing.overall_per_second, 3)
    report.figures["delivery_429"] = sends.throttled
    report.add(
        "alerts delivered with Telegram's limits on (fake: 30/s, 1/s a chat, 20/min a group)",
        f"{queued:,} alerts queued; {passes(services)}, our pacing {pacing}, "
        f"for at most {seconds:.0f} s",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {rate:.1f}/s of the "
        f"{pacing.overall_per_second:.0f}/s configured ({rate / pacing.overall_per_second:.0%})"
        f"; {sends.refusals()}; {left:,} left: {more}; {late}",
    )


async def queue_digests(report: Report, services: Services, ids: list[int], everyone: int) -> int:
    """`queue_due_digests` for `ids`, timed; returns the messages queued."""
    now = services.clock.now()
    make_due(services.db, ids if len(ids) < everyone else None, now)
    t0, c0 = time.perf_counter(), cpu_s()
    queued = await asyncio.to_thread(queue_due_digests, services.db, now, services.settings.digest)
    wall, cpu = time.perf_counter() - t0, cpu_s() - c0
    scope = "all chats" if len(ids) == everyone else f"first {len(ids):,} of {everyone:,} chats"
    report.figures["digest_queue_chats_per_s"] = round(len(ids) / wall, 1)
    report.add(
        "digests queued (queue_due_digests)",
        f"{scope}; matched alerts + 5 top stories of the last 2 days each",
        f"{queued:,} messages for {len(ids):,} chats in {wall:.1f} s "
        f"({cpu:.1f} CPU s) = {len(ids) / wall:,.0f} chats/s",
    )
    return queued


async def fan_out_raised(
    report: Report, services: Services, fake: Fake, chats: int, seconds: float
) -> None:
    """What is queued, sent for at most `seconds` with the fake's limits and our pacing
    raised: the bot's own ceiling (CPU, database, in-flight sends) rather than Telegram's."""
    fake.limits(**RAISED)
    watch = FakeWatch(fake)
    c0 = cpu_s()
    async with outbox_on(services, fake, RAISED_PACING) as (outbox, _):
        elapsed = await deliver(outbox, seconds)
    cpu, sends = cpu_s() - c0, watch.since()
    left = await asyncio.to_thread(pending, services.db)
    report.figures["fanout_raised_msgs_per_s"] = round(sends.ok / elapsed, 1)
    report.add(
        "digest fan-out sent, limits raised (fake 100,000/s, none a chat; pacing to match)",
        f"{chats:,} chats' digests; {passes(services)}; for at most {seconds:.0f} s",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {sends.ok / elapsed:,.0f} messages/s; "
        f"{sends.refusals()}; {left:,} left; bot {1000 * cpu / max(sends.ok, 1):.1f} CPU ms "
        f"a message, fake {1000 * sends.fake_cpu / max(sends.ok, 1):.1f}",
    )


async def fan_out_at_limits(report: Report, services: Services, fake: Fake, ids: list[int]) -> None:
    """A digest to each of `ids` at Telegram's limits, through our configured pacing."""
    fake.limits(**TELEGRAM)
    pacing = configured_pacing(services)
    now = services.clock.now()
    make_due(services.db, ids, now)
    queued = await asyncio.to_thread(queue_due_digests, services.db, now, services.settings.digest)
    watch = FakeWatch(fake)
    async with outbox_on(services, fake, pacing) as (outbox, pacer):
        start = time.monotonic()
        elapsed = await deliver(outbox, 24 * 3600)
    sends = watch.since()
    rate = sends.ok / elapsed
    late = kept_up(pacer, elapsed)
    sent, _ = fake.sent_since(watch.statuses[200])
    pauses = fake.pauses(start)
    report.notes.append(
        "Digests at the limits: "
        + timeline(sent, start, elapsed)
        + f"; the fake's garbage collections over 20 ms meanwhile: {len(pauses)}"
        + "".join(f", gen {g} at {at - start:.1f} s for {took:.2f} s" for at, g, took in pauses)
    )
    report.figures["fanout_msgs_per_s"] = round(rate, 2)
    report.figures["fanout_rate_fraction"] = round(rate / pacing.overall_per_second, 3)
    report.figures["fanout_429"] = sends.throttled
    report.add(
        "digest fan-out at Telegram's limits (fake 30/s, 1/s a chat, 20/min a group)",
        f"{len(ids):,} chats, {queued:,} messages; {passes(services)}, our configured pacing",
        f"{sends.ok:,} sent in {elapsed:.1f} s = {rate:.1f}/s "
        f"({rate / pacing.overall_per_second:.0%} of {pacing.overall_per_second:.0f}/s); "
        f"{sends.refusals()}; 100,000 chats at this rate: "
        f"{100_000 * queued / max(len(ids), 1) / max(rate, 1e-9) / 60:.0f} min; {late}",
    )


def timeline(sent: list[tuple[int, str, float]], start: float, elapsed: float) -> str:
    """Where the fan-out's time went, from the fake's own accept times: the first and last
    send, the sends of each second, and when the chats with several messages finished."""
    if not sent:
        return "nothing sent"
    times = [at - start for _, _, at in sent]
    per_second: dict[int, int] = {}
    for t in times:
        per_second[int(t)] = per_second.get(int(t), 0) + 1
    last: dict[int, float] = {}
    count: dict[int, int] = {}
    for (chat, _, _), t in zip(sent, times, strict=True):
        last[chat] = t
        count[chat] = count.get(chat, 0) + 1
    multi = sorted((t, chat, count[chat]) for chat, t in last.items() if count[chat] > 1)
    seconds = " ".join(f"{per_second.get(s, 0)}" for s in range(int(max(times)) + 1))
    tail = ", ".join(f"{c}{'g' if chat < 0 else 'p'}@{t:.1f}" for t, chat, c in multi[-12:])
    return (
        f"first send at {min(times):.2f} s, last at {max(times):.2f} s of "
        f"{elapsed:.2f} s; sends a second: {seconds}; {len(multi)} chats with 2+ messages "
        f"(groups {sum(chat < 0 for _, chat, _ in multi)}), the last to finish (messages, "
        f"g/p, s): {tail}"
    )


async def profile_fan_out(report: Report, services: Services, fake: Fake, ids: list[int]) -> None:
    """cProfile (main thread) of queue_due_digests, then of the sends, on a few more chats."""
    fake.limits(**RAISED)
    now = services.clock.now()
    make_due(services.db, ids, now)
    queueing = cProfile.Profile()
    queueing.runcall(queue_due_digests, services.db, now, services.settings.digest)
    sending = cProfile.Profile()
    async with outbox_on(services, fake, RAISED_PACING) as (outbox, _):
        sending.enable()
        try:
            await deliver(outbox, 3600)
        finally:
            sending.disable()
    report.notes.append(
        f"cProfile of queue_due_digests for {len(ids):,} chats, our code by cumulative time:\n\n"
        + top_functions(queueing, ours=True)
    )
    report.notes.append(
        "cProfile of sending those digests (event loop thread only; the claims and the "
        "per-message record run in worker threads and are not in it):\n\n" + top_functions(sending)
    )


def set_aside_pending(db: Database) -> int:
    """Mark what a phase left unsent as failed, so the next phase sends only its own."""
    with db.session() as session:
        result = session.execute(
            sa.update(Outbox)
            .where(Outbox.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.FAILED, last_error="set aside by benchmarks/load.py")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]
