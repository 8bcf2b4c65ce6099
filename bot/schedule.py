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

__all__ = ["MEDIAN_STEP", "FeedRhythm", "NextPoll", "PollSeen", "failure_wait", "next_poll"]

#: How far (in log space) one new gap moves the running median: e^0.2 = ×1.22.
MEDIAN_STEP = 0.2


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


def next_poll(rhythm: FeedRhythm, seen: PollSeen, poll: PollSettings) -> NextPoll:
    """After a successful poll (new entries, none, or a 304): when to poll next."""
    median, newest = _learn(rhythm.median_gap, rhythm.newest_entry_at, seen, poll.min_interval)
    hint = seen.hint if seen.read else rhythm.hint
    idle = (seen.now - newest).total_seconds() if newest is not None else 0.0
    if median is None:  # no gap seen yet: the configured interval, longer while nothing comes
        interval, reason = float(rhythm.interval), "configured"
        if poll.gap_fraction * idle > interval:
            interval, reason = poll.gap_fraction * idle, "idle"
    else:
        interval, reason = poll.gap_fraction * max(median, idle), "gap"
        if idle > median:
            reason = "idle"
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
    return NextPoll(math.ceil(interval), median, hint, newest, reason)


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
