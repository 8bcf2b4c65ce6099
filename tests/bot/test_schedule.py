"""How long a feed waits until its next poll (bot.schedule): pure arithmetic, no I/O."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import pytest

from bot.schedule import (
    MEDIAN_STEP,
    Demand,
    FeedRhythm,
    PollSeen,
    budget_per_day,
    budget_scale,
    failure_wait,
    next_poll,
)
from bot.settings import PollSettings
from tests.fakes import NOW

POLL = PollSettings(
    min_interval=60, max_interval=4 * 3600, gap_fraction=0.125, pushed_interval=3600
)
MINUTE, HOUR, DAY = 60, 3600, 86400


def every(seconds: float, count: int, *, until: datetime = NOW) -> tuple[datetime, ...]:
    """`count` publication times `seconds` apart, the last one at `until`."""
    return tuple(until - timedelta(seconds=seconds * i) for i in reversed(range(count)))


def first_poll(published: tuple[datetime, ...], **seen: object) -> int:
    """The interval after a feed's first poll, which read this backlog."""
    fields: dict = {"read": True, "published": published, **seen}
    return next_poll(FeedRhythm(interval=900), PollSeen(NOW, **fields), POLL).interval


# --- how often the feed publishes ------------------------------------------------------------


def test_a_feed_with_no_history_starts_at_its_configured_interval() -> None:
    assert next_poll(FeedRhythm(interval=900), PollSeen(NOW), POLL).interval == 900


def test_a_feed_with_one_old_entry_drifts_from_its_configured_interval_while_idle() -> None:
    assert first_poll((NOW - timedelta(days=1),)) == 0.125 * DAY
    assert first_poll((NOW - timedelta(minutes=1),)) == 900


def test_a_feed_publishing_every_5_minutes_is_polled_more_often_than_a_daily_one() -> None:
    wire = first_poll(every(5 * MINUTE, 20))
    daily = first_poll(every(DAY, 20))
    assert wire < daily
    assert (wire, daily) == (POLL.min_interval, 0.125 * DAY)


def test_the_interval_is_the_gap_fraction_of_the_median_gap() -> None:
    assert first_poll(every(HOUR, 10)) == 0.125 * HOUR


def test_one_long_lull_in_the_backlog_does_not_move_its_median() -> None:
    lull = (NOW - timedelta(hours=20),)
    assert first_poll(lull + every(HOUR, 10)) == 0.125 * HOUR


def test_a_later_gap_moves_the_running_median_by_one_step_only() -> None:
    rhythm = FeedRhythm(interval=900, median_gap=HOUR, newest_entry_at=NOW - timedelta(hours=9))
    seen = PollSeen(NOW, read=True, published=(NOW,))
    decision = next_poll(rhythm, seen, POLL)
    assert decision.median_gap == pytest.approx(HOUR * math.exp(MEDIAN_STEP))


def test_a_lasting_change_of_rhythm_is_followed() -> None:
    rhythm = FeedRhythm(interval=900, median_gap=HOUR, newest_entry_at=NOW)
    later = NOW
    for _ in range(30):  # the feed now publishes every 5 minutes
        later += timedelta(minutes=5)
        decision = next_poll(rhythm, PollSeen(later, read=True, published=(later,)), POLL)
        rhythm = FeedRhythm(900, decision.median_gap, None, decision.newest_entry_at)
    assert rhythm.median_gap == pytest.approx(5 * MINUTE, rel=0.25)


def test_entries_closer_than_the_shortest_interval_count_as_one_event() -> None:
    burst = every(10, 6)  # six entries ten seconds apart, an hour after the previous one
    rhythm = FeedRhythm(
        interval=900, median_gap=None, newest_entry_at=burst[0] - timedelta(hours=1)
    )
    decision = next_poll(rhythm, PollSeen(NOW, read=True, published=burst), POLL)
    assert decision.median_gap == HOUR


def test_an_entry_dated_in_the_future_counts_as_published_now() -> None:
    rhythm = FeedRhythm(interval=900, newest_entry_at=NOW - timedelta(hours=1))
    seen = PollSeen(NOW, read=True, published=(NOW + timedelta(days=3),))
    decision = next_poll(rhythm, seen, POLL)
    assert (decision.median_gap, decision.newest_entry_at) == (HOUR, NOW)


def test_a_feed_quiet_for_longer_than_its_gap_drifts_towards_the_longest_interval() -> None:
    def after_quiet(hours: float) -> int:
        rhythm = FeedRhythm(900, HOUR / 2, None, NOW - timedelta(hours=hours))
        return next_poll(rhythm, PollSeen(NOW), POLL).interval

    assert after_quiet(0.1) == 0.125 * HOUR / 2
    assert after_quiet(2) == 0.125 * 2 * HOUR
    assert after_quiet(100) == POLL.max_interval


# --- what the publisher says -----------------------------------------------------------------


def test_a_ttl_longer_than_the_learned_interval_is_waited_for() -> None:
    assert first_poll(every(5 * MINUTE, 20), hint=30 * MINUTE) == 30 * MINUTE


def test_a_ttl_never_keeps_a_feed_unpolled_past_the_longest_interval() -> None:
    assert first_poll(every(5 * MINUTE, 20), hint=2 * DAY) == POLL.max_interval


def test_a_304_keeps_the_ttl_the_feed_gave_and_a_feed_read_without_one_drops_it() -> None:
    rhythm = FeedRhythm(interval=900, hint=30 * MINUTE)
    assert next_poll(rhythm, PollSeen(NOW), POLL).hint == 30 * MINUTE
    assert next_poll(rhythm, PollSeen(NOW, read=True), POLL).hint is None


def test_no_poll_comes_before_the_answer_goes_stale() -> None:
    assert first_poll(every(5 * MINUTE, 20), max_age=600) == 600


def test_a_long_max_age_is_capped_by_the_longest_interval() -> None:
    assert first_poll(every(5 * MINUTE, 20), max_age=7 * DAY) == POLL.max_interval


def test_retry_after_is_honoured_even_past_the_longest_interval() -> None:
    assert first_poll(every(5 * MINUTE, 20), retry_after=6 * HOUR) == 6 * HOUR


def test_retry_after_is_capped_by_the_longest_backoff() -> None:
    assert first_poll(every(5 * MINUTE, 20), retry_after=30 * DAY) == POLL.backoff_max


# --- bounds ----------------------------------------------------------------------------------


@pytest.mark.parametrize("gap", [1, 30, 61, 300, 3600, 86400, 30 * 86400])
def test_the_interval_stays_within_the_bounds(gap: float) -> None:
    interval = first_poll(every(gap, 10))
    assert POLL.min_interval <= interval <= POLL.max_interval


def test_the_bounds_are_settings() -> None:
    tight = PollSettings(min_interval=120, max_interval=600, gap_fraction=0.125)
    rhythm = FeedRhythm(interval=900)
    wire = next_poll(rhythm, PollSeen(NOW, read=True, published=every(5 * MINUTE, 20)), tight)
    daily = next_poll(rhythm, PollSeen(NOW, read=True, published=every(DAY, 20)), tight)
    assert (wire.interval, daily.interval) == (120, 600)


def test_a_floor_the_operator_set_holds_however_busy_the_feed() -> None:
    rhythm = FeedRhythm(interval=900, floor=900)
    seen = PollSeen(NOW, read=True, published=every(MINUTE, 20))
    assert next_poll(rhythm, seen, POLL).interval == 900


# --- pushed feeds ----------------------------------------------------------------------------


def test_a_pushed_feed_is_polled_at_the_safety_interval() -> None:
    rhythm = FeedRhythm(interval=900, median_gap=5 * MINUTE, newest_entry_at=NOW, pushed=True)
    decision = next_poll(rhythm, PollSeen(NOW), POLL)
    assert (decision.interval, decision.reason) == (POLL.pushed_interval, "pushed")


def test_push_never_makes_a_quiet_feed_polled_more_often() -> None:
    rhythm = FeedRhythm(interval=900, median_gap=DAY, newest_entry_at=NOW, pushed=True)
    assert next_poll(rhythm, PollSeen(NOW), POLL).interval == 0.125 * DAY > POLL.pushed_interval


def test_a_pushed_feed_keeps_learning_its_rhythm_for_when_push_stops() -> None:
    rhythm = FeedRhythm(interval=900, pushed=True)
    seen = PollSeen(NOW, read=True, published=every(HOUR, 10))
    assert next_poll(rhythm, seen, POLL).median_gap == HOUR


# --- failures --------------------------------------------------------------------------------


def test_a_first_failure_waits_only_the_interval_and_later_ones_double() -> None:
    waits = [failure_wait(450, n, None, POLL) for n in (1, 2, 3, 4)]
    assert waits == [450, 900, 1800, 3600]


def test_backoff_stops_at_the_longest_backoff() -> None:
    assert failure_wait(3600, 10, None, POLL) == POLL.backoff_max


def test_a_failure_with_retry_after_waits_at_least_that_long() -> None:
    assert failure_wait(450, 1, 2 * HOUR, POLL) == 2 * HOUR


# --- the shared daily budget -------------------------------------------------------------------

WORLD = (
    [Demand(900, median_gap=3 * MINUTE, idle=MINUTE)] * 5  # wires
    + [Demand(900, median_gap=40 * MINUTE, idle=10 * MINUTE)] * 30  # hourly
    + [Demand(900, median_gap=6 * HOUR, idle=2 * HOUR)] * 40  # daily
    + [Demand(900, median_gap=3 * DAY, idle=DAY)] * 25  # rare
    + [Demand(900, median_gap=20 * MINUTE, pushed=True)] * 10
    + [Demand(900, median_gap=10 * MINUTE, floor=2 * HOUR)] * 5  # a ttl of two hours
    + [Demand(900)] * 5  # nothing learned yet
)


def interval_at(demand: Demand, scale: float | None) -> int:
    """The interval `next_poll` gives the feed at this scale, after a poll that found nothing."""
    newest = NOW - timedelta(seconds=demand.idle)
    rhythm = FeedRhythm(900, demand.median_gap, int(demand.floor) or None, newest, demand.pushed)
    return next_poll(rhythm, PollSeen(NOW), POLL, scale).interval


def per_day(demands: list[Demand], scale: float | None) -> float:
    return sum(DAY / interval_at(d, scale) for d in demands)


def test_the_feeds_requests_add_up_to_the_budget_and_never_more() -> None:
    budget = len(WORLD) * DAY / 900
    spent = per_day(WORLD, budget_scale(WORLD, budget, POLL))
    assert 0.99 * budget <= spent <= budget


def test_a_busier_feed_is_polled_more_often_by_the_square_root_of_its_rate() -> None:
    scale = budget_scale(WORLD, len(WORLD) * DAY / 900, POLL)
    busy, quiet = Demand(900, median_gap=10 * MINUTE), Demand(900, median_gap=1000 * MINUTE)
    assert interval_at(quiet, scale) == pytest.approx(10 * interval_at(busy, scale), rel=0.01)


def test_a_feed_idle_for_longer_than_its_gap_is_polled_less_often() -> None:
    scale = budget_scale(WORLD, len(WORLD) * DAY / 900, POLL)
    idle = Demand(900, median_gap=40 * MINUTE, idle=10 * HOUR)
    assert interval_at(idle, scale) > interval_at(Demand(900, median_gap=40 * MINUTE), scale)


def test_the_publishers_ttl_and_the_push_safety_interval_stay_floors() -> None:
    scale = budget_scale(WORLD, 10 * len(WORLD) * DAY / 900, POLL)  # a generous budget
    ttl = Demand(900, median_gap=10 * MINUTE, floor=2 * HOUR)
    pushed = Demand(900, median_gap=10 * MINUTE, pushed=True)
    assert (interval_at(ttl, scale), interval_at(pushed, scale)) == (2 * HOUR, HOUR)


def test_a_budget_every_feed_fits_in_at_the_minimum_polls_them_all_at_the_minimum() -> None:
    demands = [Demand(900, median_gap=HOUR), Demand(900, median_gap=DAY)]
    scale = budget_scale(demands, 10 * DAY, POLL)
    assert [interval_at(d, scale) for d in demands] == [60, 60]


def test_a_budget_too_small_for_the_maximum_polls_every_feed_at_the_maximum() -> None:
    demands = [Demand(900, median_gap=HOUR), Demand(900, median_gap=DAY)]
    scale = budget_scale(demands, 1, POLL)
    assert [interval_at(d, scale) for d in demands] == [4 * HOUR, 4 * HOUR]


def test_without_a_gap_learned_there_is_no_scale_and_the_fraction_rule_applies() -> None:
    assert budget_scale([Demand(900), Demand(600)], 192, POLL) is None


def test_the_budget_is_what_the_feeds_configured_intervals_would_spend() -> None:
    feeds = [Demand(60), Demand(900), Demand(3600)]
    assert budget_per_day(feeds, PollSettings()) == DAY / 60 + DAY / 900 + DAY / 3600


def test_a_budget_interval_the_operator_set_prices_every_feed_alike() -> None:
    feeds = [Demand(60), Demand(900), Demand(3600)]
    assert budget_per_day(feeds, PollSettings(budget_interval=900)) == 3 * DAY / 900
