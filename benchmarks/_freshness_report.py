"""The figures of benchmarks/freshness.py: what one simulated day gives (`Run`), the table per
delay class and per request count, and the JSON the issue asks for. Apart so the simulation
module stays readable; the figures read only the `Run` and the world.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from _freshness_model import FREQUENT, HUB_SHARE, MIX, World, percentile
from _freshness_server import Hit

__all__ = ["Run", "Schedule", "figures", "print_table", "summary_json"]


@dataclass
class Schedule:
    """How one run polls: the settings it changes, and whether hubs push."""

    name: str
    describe: str
    settings: dict[str, Any] = field(default_factory=dict)
    push: bool = False


@dataclass
class Run:
    schedule: Schedule
    delays: dict[int, list[float]]  # feed id -> delays (s) of its entries published in the day
    missing: dict[int, int]  # feed id -> entries with no alert by the end of the tail
    hits: list[Hit]
    polls: int  # poll_due calls
    pushes: int
    wall: float
    cpu: float  # this process's CPU seconds (the server's are its own)


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds:.0f} s" if seconds < 600 else f"{seconds / 60:.0f} min"


def figures(world: World, run: Run) -> dict[str, Any]:
    """Delays per class and for pushed feeds, requests per day, per host per minute at peak."""
    groups: dict[str, list[float]] = defaultdict(list)
    missing: Counter[str] = Counter()
    for f in world.feeds:
        own = run.delays.get(f.id, [])
        names = ["all", f.kind] + (["frequent"] if f.kind in FREQUENT else [])
        names += ["pushed"] if f.hub else ["not pushed"]
        for name in names:
            groups[name] += own
            missing[name] += run.missing.get(f.id, 0)
    day = [h for h in run.hits if 0 <= h.t < world.end]
    scale = 24 / world.hours
    per_kind = Counter(world.feeds[h.feed].kind for h in day if h.feed >= 0)
    n_kind = Counter(f.kind for f in world.feeds)
    per_minute = Counter((h.host, int(h.t // 60)) for h in day)
    (peak_host, peak_minute), peak = per_minute.most_common(1)[0] if per_minute else (("-", 0), 0)
    overall = Counter(int(h.t // 60) for h in day)
    return {
        "delay": {
            name: {
                "entries": len(values),
                "not_alerted": missing[name],
                "median_s": percentile(values, 0.5),
                "p95_s": percentile(values, 0.95),
            }
            for name, values in groups.items()
        },
        "requests_per_day": len(day) * scale,
        "not_modified_share": sum(h.status == 304 for h in day) / max(1, len(day)),
        "requests_per_feed_per_day": {
            kind: per_kind[kind] * scale / n_kind[kind] for kind in n_kind
        }
        | {"all": len(day) * scale / len(world.feeds)},
        "peak_host_per_minute": peak,
        "peak_host": peak_host,
        "peak_minute": f"{peak_minute // 60:02d}:{peak_minute % 60:02d}",
        "peak_all_hosts_per_minute": max(overall.values(), default=0),
        "poll_passes": run.polls,
        "pushes": run.pushes,
        "wall_s": run.wall,
        "cpu_s": run.cpu,
        "cpu_ms_per_request": 1000 * run.cpu / max(1, len(run.hits)),
    }


def print_table(world: World, runs: list[Run], stats: dict[str, dict[str, Any]]) -> None:
    n = len(world.feeds)
    mix = ", ".join(f"{sum(f.kind == kind for f in world.feeds)} {kind}" for kind, _ in MIX)
    entries = sum(1 for f in world.feeds for t in f.times if 0 <= t < world.end)
    hubs = sum(f.hub for f in world.feeds)
    print(
        f"## Freshness: {n:,} simulated feeds over {world.hours:g} h (after "
        f"{world.warmup / 3600:g} h warm-up), through bot.ingest.Pipeline\n"
    )
    print(
        f"publication mix: {mix}; {hubs} feeds ({HUB_SHARE:.0%}) with a WebSub hub; "
        f"{entries:,} entries published in the measured day; {len(world.hosts())} hosts "
        "(15% of feeds on one site, 7.5% on two more, 2% on ten, half alone)\n"
    )
    for run in runs:
        print(f"- {run.schedule.name}: {run.schedule.describe}")
    names = [r.schedule.name for r in runs]
    print(
        "\n| delay, publication -> alert queued | "
        + " | ".join(f"{x} median | {x} p95" for x in names)
        + " | entries (not alerted) |"
    )
    print("| --- |" + " ---: | ---: |" * len(runs) + " ---: |")
    rows = ["all", "pushed", "not pushed", "frequent", "wire", "hourly", "daily", "rare"]
    label = {"frequent": "at least hourly (wire + hourly)", "pushed": "pushed (hub feeds)"}
    for row in rows:
        cells = []
        for name in names:
            d = stats[name]["delay"].get(row, {})
            cells.append(f"{_fmt(d.get('median_s'))} | {_fmt(d.get('p95_s'))}")
        counts = " / ".join(
            f"{stats[x]['delay'].get(row, {}).get('entries', 0)}"
            f" ({stats[x]['delay'].get(row, {}).get('not_alerted', 0)})"
            for x in names
        )
        print(f"| {label.get(row, row)} | " + " | ".join(cells) + f" | {counts} |")
    print("\n| requests | " + " | ".join(names) + " |")
    print("| --- |" + " ---: |" * len(runs))
    lines = [
        ("total per day", lambda s: f"{s['requests_per_day']:,.0f}"),
        ("answered 304", lambda s: f"{s['not_modified_share']:.0%}"),
    ]
    lines += [
        (f"per feed per day: {kind}", lambda s, k=kind: f"{s['requests_per_feed_per_day'][k]:.1f}")
        for kind in ["all"] + [k for k, _ in MIX]
    ]
    lines += [
        (
            "per host per minute at peak",
            lambda s: f"{s['peak_host_per_minute']} ({s['peak_host']}, {s['peak_minute']})",
        ),
        ("all hosts, busiest minute", lambda s: f"{s['peak_all_hosts_per_minute']}"),
        ("poll passes / pushes", lambda s: f"{s['poll_passes']:,} / {s['pushes']:,}"),
        ("wall time of the run", lambda s: f"{s['wall_s']:.0f} s"),
        (
            "bot CPU (ms per request)",
            lambda s: f"{s['cpu_s']:.0f} s ({s['cpu_ms_per_request']:.1f})",
        ),
    ]
    for what, cell in lines:
        print(f"| {what} | " + " | ".join(cell(stats[x]) for x in names) + " |")


def summary_json(stats: dict[str, dict[str, Any]]) -> dict[str, Any]:
    fixed, new = stats.get("fixed"), stats.get("new")
    out: dict[str, Any] = {"schedules": stats}
    if fixed:
        out["fixed_median_s"] = fixed["delay"]["all"]["median_s"]
        out["requests_per_day_fixed"] = fixed["requests_per_day"]
    if new:
        out["pushed_median_s"] = new["delay"]["pushed"]["median_s"]
        out["hourly_median_s"] = new["delay"]["frequent"]["median_s"]
        out["p95_s"] = new["delay"]["all"]["p95_s"]
        out["new_median_s"] = new["delay"]["all"]["median_s"]
        out["requests_per_day_new"] = new["requests_per_day"]
    return out
