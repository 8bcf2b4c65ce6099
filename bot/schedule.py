"""How long a feed waits until its next poll: pure arithmetic over what the feed has shown.

Why a fraction of the gap. A poll every `I` seconds finds an entry `I / 2` after publication on
average, and costs `1 / I` requests. Polling each feed at a fixed fraction `f` of the typical
gap between its new entries (`poll.gap_fraction`) therefore spends about `1 / f` requests per
new entry, whatever the feed: the requests go where the news is. A wire that publishes every
few minutes is polled every minute, a daily feed every few hours, and the total is set by how
much news there is rather than by how many feeds there are; the fixed 900 s schedule instead
spends 96 requests a day on a feed that publishes once. Delay follows the gap (about `f / 2`
of it), bounded by `poll.min_interval` (the politeness floor) and `poll.max_interval` (the
longest a feed may go unpolled, so a quiet feed that wakes up is not missed for a day).

Why a shared budget, spent by the square root of the rate. Polling at a fixed fraction of the gap
spends what the news demands, which on a busy day can be more than the fixed schedule it replaces.
With a daily budget `B` (what polling every feed at its configured interval would cost, or at
`poll.budget_interval` when set), the question becomes how to share it. A feed publishing at rate
`λ` and polled every `I` leaves each entry waiting `I / 2` on average; minimising the mean wait per
entry, `Σ λᵢ Iᵢ / 2`, under `Σ 1 / Iᵢ = B` (a Lagrange multiplier) gives `Iᵢ ∝ 1 / √λᵢ`: the
square-root rule. Polling in proportion to the rate over-serves busy feeds and uniform polling
over-serves quiet ones; Cho & Garcia-Molina (2003, "Effective page refresh policies for Web
crawlers", ACM TODS 28(4)) show the first is even worse than the second under a fixed budget. So
each feed waits `scale · √gap`, one `scale` for all, found by `budget_scale` so that the feeds'
requests a day, each within its bounds and floors, add up to the budget (recomputed every
`BUDGET_REFRESH` s by `bot.polling` from the stored gaps). A pushed feed costs only its safety
polls, and a feed with no gap learned yet its configured interval; idle feeds count at their idle
gap, so a quiet night or a rare feed frees requests for the busy ones. Without a budget
(`budget_interval = 0`), or before the first scale is known, the fraction rule applies.

Why a median, kept in log space. Gaps between entries are skewed: bursts of several entries a
minute apart, then a night without any. A mean is dragged by the night; the median is not. We
keep a running median without storing history: the first poll's backlog gives a true median of
its gaps, and each later gap moves the estimate by a factor `exp(±MEDIAN_STEP)` towards it
(a stochastic-approximation median in log space). One eight-hour lull moves a 5-minute
estimate by 20 %, while a feed whose rhythm really changes is followed within
`ln(ratio) / MEDIAN_STEP` new entries. Entries published less than `min_interval` after the
previous one count as the same event: a poll could not tell them apart anyway.

Idle hours. The gap that counts is the larger of the median and the time since the newest
entry: a feed that has published nothing for a long time drifts towards `max_interval`, and
comes back to its rhythm with its next entry. A feed that has shown one entry or none has no
gap to learn from; it starts at its configured interval and drifts the same way while idle
(a feed with one entry a week old is not polled 96 times a day for want of a second one).

What the publisher says, each a floor (capped by `max_interval`, so a `ttl` of a day cannot
make a feed unpolled for a day): the feed's `ttl` / `sy:updatePeriod` (a poll sooner would
find nothing new, by the publisher's own account), and `Cache-Control: max-age` / `Expires`
(until then a cache would answer with the same bytes). `Retry-After` is honoured as given (up
to `backoff_max`), above `max_interval` too: it is the publisher asking, not a hint. A search
feed's own `interval` is a floor as well: it is the search source's budget per query.

429 and 503. They count as failures (the feed shows them, and the counter drives backoff), but
a single one costs nothing beyond waiting: the wait after a first failure is the feed's own
interval (or the `Retry-After`, when longer), and only a second in a row starts doubling it.
A publisher that is briefly busy is not punished; one that keeps refusing is left alone
longer each time. Either way the learned rhythm is kept, so a success resumes it.

Pushed feeds. A feed whose WebSub subscription is active gets its entries within seconds of
publication; its polls are only a safety net for a lost push. It is polled every
`poll.pushed_interval`, or at its adaptive interval when that is longer (push never makes a
feed polled more often than it would be without).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.settings import PollSettings

__all__ = [
    "BUDGET_REFRESH",
    "DAY",
    "MEDIAN_STEP",
    "Demand",
    "FeedRhythm",
    "NextPoll",
    "PollSeen",
    "budget_per_day",
    "budget_scale",
    "failure_wait",
    "next_poll",
]

#: How far (in log space) one new gap moves the running median: e^0.2 = ×1.22.
MEDIAN_STEP = 0.2
#: Seconds between two computations of the budget's scale: gaps move slowly.
BUDGET_REFRESH = 600
DAY = 86400


@dataclass(frozen=True)
class FeedRhythm:
    """What is known of a feed before a poll: its configured `interval` (the start, and the
    fallback while nothing is learned), the running `median_gap` between new entries (s), the
    publisher's `hint` (`ttl` / `sy:updatePeriod`, s), the newest entry's time (publication,
    else first seen), whether a WebSub hub pushes it, and `floor`, a minimum the operator set
    (a search source's `interval`: each query at most that often, whatever it finds)."""

    interval: int
    median_gap: float | None = None
    hint: int | None = None
    newest_entry_at: datetime | None = None
    pushed: bool = False
    floor: int = 0


@dataclass(frozen=True)
class PollSeen:
    """What one successful poll brought (a 304 brings no `news` and keeps the stored hint).

    `published`: the times of the entries found new (publication, else the fetch time);
    `hint`: the parsed feed's `ttl` / `sy:updatePeriod` when the feed was read (None: it has
    none); `max_age` / `retry_after`: the response headers' hints, in seconds."""

    now: datetime
    read: bool = False  # the body was parsed (not a 304)
    published: tuple[datetime, ...] = ()
    hint: int | None = None
    max_age: float | None = None
    retry_after: float | None = None


@dataclass(frozen=True)
class NextPoll:
    """The decision: wait `interval` seconds; what to remember (`median_gap`, `hint`,
    `newest_entry_at`); and `reason`, the rule that decided, for logs and /status."""

    interval: int
    median_gap: float | None
    hint: int | None
    newest_entry_at: datetime | None
    reason: str


def next_poll(
    rhythm: FeedRhythm, seen: PollSeen, poll: PollSettings, scale: float | None = None
) -> NextPoll:
    """After a successful poll (new entries, none, or a 304): when to poll next. `scale` is
    the shared budget's (`budget_scale`); None: the fraction rule."""
    median, newest = _learn(rhythm.median_gap, rhythm.newest_entry_at, seen, poll.min_interval)
    hint = seen.hint if seen.read else rhythm.hint
    idle = (seen.now - newest).total_seconds() if newest is not None else 0.0
    interval, reason = _wanted(rhythm.interval, median, idle, poll, scale)
    interval, reason = _bounded(interval, reason, poll)
    for floor, why in ((hint, "ttl"), (seen.max_age, "max-age")):
        if floor is not None and min(floor, poll.max_interval) > interval:
            interval, reason = min(floor, poll.max_interval), why
    if rhythm.floor > interval:
        interval, reason = rhythm.floor, "floor"
    if rhythm.pushed and poll.pushed_interval > interval:
        interval, reason = poll.pushed_interval, "pushed"
    if seen.retry_after is not None and seen.retry_after > interval:
        interval, reason = min(seen.retry_after, poll.backoff_max), "retry-after"
    return NextPoll(math.ceil(round(interval, 3)), median, hint, newest, reason)


def _wanted(
    configured: int, median: float | None, idle: float, poll: PollSettings, scale: float | None
) -> tuple[float, str]:
    """The interval the feed's rhythm asks for, before bounds and floors."""
    if median is None:  # no gap seen yet: the configured interval, longer while nothing comes
        if poll.gap_fraction * idle > configured:
            return poll.gap_fraction * idle, "idle"
        return float(configured), "configured"
    gap = max(median, idle)
    reason = "idle" if idle > median else "budget" if scale is not None else "gap"
    return (scale * math.sqrt(gap) if scale is not None else poll.gap_fraction * gap), reason


@dataclass(frozen=True)
class Demand:
    """One feed as the budget sees it: `median_gap` and `idle` (s since its newest entry),
    its configured `interval`, `floor` (its `ttl` / `sy:updatePeriod`, s) and `pushed`."""

    interval: int
    median_gap: float | None = None
    idle: float = 0.0
    floor: float = 0.0
    pushed: bool = False


def budget_per_day(demands: Sequence[Demand], poll: PollSettings) -> float:
    """The daily budget: what the fixed schedule it replaces would spend, each feed polled at its
    own configured interval (a deployment that set its feeds to a minute keeps a minute's
    worth), or every feed at `poll.budget_interval` when that is set."""
    if poll.budget_interval:
        return len(demands) * DAY / poll.budget_interval
    return sum(DAY / max(d.interval, 1) for d in demands)


def budget_scale(demands: Sequence[Demand], per_day: float, poll: PollSettings) -> float | None:
    """The `scale` at which the feeds' requests a day (each feed every `scale · √gap`, within
    its bounds and floors) add up to `per_day`, found by bisection in log space (the cost
    falls as the scale grows). When even every feed at `min_interval` fits, the smallest
    scale that puts them all there; when not even `max_interval` does, the one that puts
    them all at the maximum. None while no feed has a gap learned (nothing to share by)."""
    floors = [_floor(d, poll) for d in demands]
    gaps = [max(d.median_gap, d.idle, 1.0) if d.median_gap is not None else None for d in demands]
    fixed = [_wanted(d.interval, None, d.idle, poll, None)[0] for d in demands]

    def cost(scale: float) -> float:
        total = 0.0
        for gap, floor, start in zip(gaps, floors, fixed, strict=True):
            wanted = scale * math.sqrt(gap) if gap is not None else start
            total += DAY / min(max(wanted, floor), poll.max_interval)
        return total

    learned = [g for g in gaps if g is not None]
    if not learned:
        return None
    low = poll.min_interval / math.sqrt(max(learned))  # every feed at min_interval or above
    high = poll.max_interval / math.sqrt(min(learned))  # every feed at max_interval
    if cost(low) <= per_day:
        return low
    for _ in range(100):
        mid = math.sqrt(low * high)
        low, high = (low, mid) if cost(mid) <= per_day else (mid, high)
        if high / low < 1 + 1e-9:
            break
    return high


def _floor(demand: Demand, poll: PollSettings) -> float:
    """The shortest interval the feed may get: `min_interval`, its publisher's hint (capped
    by `max_interval`), and for a pushed feed the safety interval."""
    floor = max(float(poll.min_interval), min(demand.floor, poll.max_interval))
    return max(floor, poll.pushed_interval) if demand.pushed else floor


def failure_wait(current: int, failures: int, retry_after: float | None, poll: PollSettings) -> int:
    """Seconds to wait after the `failures`-th failure in a row of a feed polled every
    `current` s: the interval after the first, doubling from the second (up to
    `backoff_max`), never shorter than the interval nor than the publisher's `Retry-After`."""
    doubled = current * (1 << min(max(failures - 1, 0), 16))
    wait: float = max(min(doubled, poll.backoff_max), current)
    if retry_after is not None:
        wait = max(wait, min(retry_after, poll.backoff_max))
    return math.ceil(wait)


def _bounded(interval: float, reason: str, poll: PollSettings) -> tuple[float, str]:
    if interval < poll.min_interval:
        return float(poll.min_interval), "min"
    if interval > poll.max_interval:
        return float(poll.max_interval), "max"
    return interval, reason


def _learn(
    median: float | None, newest: datetime | None, seen: PollSeen, min_gap: float
) -> tuple[float | None, datetime | None]:
    """The running median gap and the newest entry's time, after this poll's new entries."""
    times = sorted(min(t, seen.now) for t in seen.published)  # a future date means "now"
    gaps = _gaps(newest, times, min_gap)
    if times and (newest is None or times[-1] > newest):
        newest = times[-1]
    if not gaps:
        return median, newest
    if median is None:  # a first history (usually the backlog of a first poll): its median
        return statistics.median(gaps), newest
    for gap in gaps:
        median *= math.exp(MEDIAN_STEP if gap > median else -MEDIAN_STEP if gap < median else 0)
    return median, newest


def _gaps(previous: datetime | None, times: Sequence[datetime], min_gap: float) -> list[float]:
    """Gaps between successive events, entries closer than `min_gap` to the previous event
    being part of it; entries older than `previous` (a late addition) tell nothing."""
    gaps: list[float] = []
    for when in times:
        if previous is None:
            previous = when
            continue
        gap = (when - previous).total_seconds()
        if gap >= min_gap:
            gaps.append(gap)
            previous = when
    return gaps
