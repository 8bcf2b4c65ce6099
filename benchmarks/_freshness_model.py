"""The simulated world of benchmarks/freshness.py: which feeds exist, on which sites, when each
publishes, what its entries say, and the figures computed from the delays.

Everything is drawn from one seeded RNG so both schedules see the very same day. Times are
simulated seconds from the start of the measured day (negative during the warm-up).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import format_datetime

TERM = "newsflash"  # every entry's title has it; the one chat's query is this word
DAY = 86_400.0

# The publication mix, as shares of all feeds (the table prints it):
#   wire    every 2-5 minutes (uniform gap), around the clock
#   hourly  Poisson, 1.4/h from 06:00 to 22:00 UTC and 0.4/h at night (~1.07/h on average)
#   daily   1-3 entries a day, in the daytime
#   rare    one entry on 30% of days (less than daily)
MIX = (("wire", 0.02), ("hourly", 0.30), ("daily", 0.40), ("rare", 0.28))
FREQUENT = ("wire", "hourly")  # "feeds publishing at least hourly"
HUB_SHARE = 0.10  # feeds whose publisher runs a WebSub hub
HISTORY = 7 * DAY  # publications drawn before the simulation starts: what the first poll finds

WORDS = [
    "minister",
    "council",
    "harbour",
    "storm",
    "election",
    "budget",
    "vaccine",
    "striker",
    "orchestra",
    "bridge",
    "railway",
    "treaty",
    "drought",
    "senate",
    "festival",
    "airline",
    "pension",
    "reactor",
    "glacier",
    "verdict",
    "harvest",
    "tariff",
    "museum",
    "embassy",
    "protest",
    "satellite",
    "merger",
    "wildfire",
    "summit",
    "refinery",
    "ferry",
    "curfew",
    "ballot",
    "stadium",
    "pipeline",
    "heatwave",
    "ceasefire",
    "coalition",
    "startup",
    "lawsuit",
    "monsoon",
    "parliament",
    "aquifer",
    "telescope",
    "regatta",
    "quarry",
    "vineyard",
    "census",
    "referendum",
    "shipyard",
    "observatory",
]


@dataclass(frozen=True)
class SimFeed:
    id: int  # 0-based; the feed's path is /f/<id>.xml
    kind: str  # one of MIX's classes
    host: str  # the site's host name
    hub: bool  # the publisher pushes through a WebSub hub
    times: tuple[float, ...]  # publication times (whole seconds, sorted)

    @property
    def path(self) -> str:
        return f"/f/{self.id}.xml"


@dataclass(frozen=True)
class World:
    feeds: tuple[SimFeed, ...]
    start: datetime  # the measured day starts here (sim second 0)
    warmup: float  # seconds simulated before the day (schedules learn, nothing is measured)
    hours: float  # length of the measured day

    @property
    def end(self) -> float:
        return self.hours * 3600

    def at(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def hosts(self) -> list[str]:
        return sorted({f.host for f in self.feeds})


def _is_day(t: float) -> bool:
    return 6 <= (t % DAY) / 3600 < 22


def _wire(rng: random.Random, lo: float, hi: float) -> list[float]:
    times, t = [], lo + rng.uniform(0, 300)
    while t < hi:
        times.append(t)
        t += rng.uniform(120, 300)
    return times


def _hourly(rng: random.Random, lo: float, hi: float) -> list[float]:
    """A Poisson process by thinning: candidates at the daytime rate, kept at the local rate."""
    peak, night = 1.4 / 3600, 0.4 / 3600
    times, t = [], lo
    while True:
        t += rng.expovariate(peak)
        if t >= hi:
            return times
        if _is_day(t) or rng.random() < night / peak:
            times.append(t)


def _daily(rng: random.Random, lo: float, hi: float, per_day: tuple[int, int], p: float) -> list:
    times = []
    first_day = math.floor(lo / DAY)
    for day in range(first_day, math.ceil(hi / DAY)):
        if rng.random() >= p:
            continue
        for _ in range(rng.randint(*per_day)):
            t = day * DAY + rng.uniform(7, 21) * 3600
            if lo <= t < hi:
                times.append(t)
    return sorted(times)


def _hosts(n: int) -> list[str]:
    """Sites of many feeds and sites of one: 15% of the feeds on one big site, 7.5% on each of
    two more, 2% on each of ten medium sites, the other half one feed per site."""
    hosts: list[str] = []
    for name, share in [("big0", 0.15), ("big1", 0.075), ("big2", 0.075)] + [
        (f"mid{i}", 0.02) for i in range(10)
    ]:
        hosts += [f"{name}.sim"] * max(1, round(n * share))
    hosts = hosts[: n // 2]
    hosts += [f"solo{i}.sim" for i in range(n - len(hosts))]
    return hosts


def build_world(n_feeds: int, hours: float, warmup: float, seed: int, start: datetime) -> World:
    rng = random.Random(seed)
    kinds: list[str] = []
    for kind, share in MIX:
        kinds += [kind] * round(n_feeds * share)
    kinds = (kinds + ["rare"] * n_feeds)[:n_feeds]
    rng.shuffle(kinds)
    hosts = _hosts(n_feeds)
    rng.shuffle(hosts)
    hubs = set(rng.sample(range(n_feeds), round(n_feeds * HUB_SHARE)))
    lo, hi = -warmup - HISTORY, hours * 3600
    feeds = []
    for i, kind in enumerate(kinds):
        if kind == "wire":
            times = _wire(rng, lo, hi)
        elif kind == "hourly":
            times = _hourly(rng, lo, hi)
        elif kind == "daily":
            times = _daily(rng, lo, hi, (1, 3), 1.0)
        else:
            times = _daily(rng, lo, hi, (1, 1), 0.3)
        whole = tuple(sorted({float(round(t)) for t in times}))
        feeds.append(SimFeed(i, kind, hosts[i], i in hubs, whole))
    return World(tuple(feeds), start, warmup, hours)


# --- the documents ---------------------------------------------------------------------------

SHOWN = {"wire": 10}  # entries a feed document lists, newest first (wires: 7 may come in 900 s)
SHOWN_OTHERS = 5


def entry_text(feed: int, n: int) -> tuple[str, str]:
    """A title (with TERM) and a short body of words unique enough to be a story of its own."""
    rng = random.Random(feed * 1_000_003 + n)
    words = [rng.choice(WORDS) for _ in range(24)]
    title = f"{TERM.capitalize()}: {' '.join(words[:5])} {feed}-{n}"
    return title, f"{' '.join(words)} (report {feed}-{n})."


def feed_document(feed: SimFeed, world: World, published: int, hub_url: str | None) -> bytes:
    """The RSS document when `published` of the feed's entries are out (plus the backlog)."""
    items = []
    shown = SHOWN.get(feed.kind, SHOWN_OTHERS)
    for n in range(published - 1, max(published - shown, 0) - 1, -1):
        when = world.at(feed.times[n])
        title, body = entry_text(feed.id, n)
        items.append(
            f"<item><title>{title}</title><link>http://{feed.host}/a/{feed.id}/{n}</link>"
            f"<guid>sim-{feed.id}-{n}</guid><pubDate>{format_datetime(when)}</pubDate>"
            f"<description>{body}</description></item>"
        )
    links = ""
    if hub_url:
        links = (
            f'<atom:link rel="hub" href="{hub_url}"/>'
            f'<atom:link rel="self" href="http://{feed.host}{feed.path}"/>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        f"<title>Sim feed {feed.id} ({feed.kind})</title><link>http://{feed.host}/</link>"
        f"<description>simulated</description>{links}{''.join(items)}</channel></rss>"
    ).encode()


# --- figures -----------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by linear interpolation; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)
