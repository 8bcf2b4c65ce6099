"""The load benchmark's instruments: the fake Bot API in a child process, CPU timers, memory,
and the report's tables.

The fake runs in its own process so that its CPU is not the bot's (the machine has two cores:
one for the bot, one for the fake); this process talks to it over a pipe.
"""

from __future__ import annotations

import cProfile
import gc
import json
import logging
import multiprocessing
import pstats
import resource
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

# --- the fake Bot API, in a child process ---------------------------------------------------


def _serve_fake(conn: Connection) -> None:
    from tests.fakes import botapi  # in the fake's process only

    # The fake's listen backlog is socketserver's default of 5: with hundreds of connections
    # opening at once, the kernel resets some (httpx.ReadError), which Telegram never does.
    botapi._Server.request_queue_size = 1024
    fake = botapi.FakeBotApi().start()
    pauses = _collector_pauses()
    conn.send((fake.base_url, fake.token))
    while True:
        command, args = conn.recv()
        # Commands come between phases: what the fake holds by now (every message it took)
        # stays to the end, so the collector is told to leave it alone. Otherwise a full
        # collection of it, a third of a second on this machine, stops the fake's answers in
        # the middle of a phase, a pause Telegram does not have.
        gc.freeze()
        if command == "stop":
            fake.stop()
            conn.send(None)
            return
        if command == "add_chats":
            for chat_id in args:
                fake.add_chat(chat_id, "private" if chat_id > 0 else "supergroup")
            conn.send(None)
        elif command == "limits":
            fake.enforce_limits(**args, clock=time.monotonic)
            conn.send(None)
        elif command == "stats":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            statuses = Counter(c["status"] for c in fake.calls("sendMessage")) if args else {}
            conn.send((dict(statuses), usage.ru_utime + usage.ru_stime, usage.ru_maxrss))
        elif command == "pauses":  # the fake's own collections that took over 20 ms since `args`
            conn.send([p for p in pauses if p[0] >= args])
        elif command == "sent_since":
            with fake._cond:  # a copy of the few fields needed, not of every message
                sent = [(m["chat_id"], m["text"], m["at"]) for m in fake._sent[args:]]
            conn.send((sent, fake.busiest_second(since=args)))


def _collector_pauses() -> list[tuple[float, int, float]]:
    """(when, generation, seconds) of each of this process's garbage collections over 20 ms:
    the fake holds every message it took, and a full collection of them stops its answers."""
    found: list[tuple[float, int, float]] = []
    started = [0.0]

    def timed(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            started[0] = time.monotonic()
        elif (took := time.monotonic() - started[0]) > 0.02:
            found.append((started[0], info["generation"], took))

    gc.callbacks.append(timed)
    return found


class Fake:
    """Commands to the fake in its process; `stats()` is (answers by HTTP status, CPU s, KB)."""

    def __init__(self) -> None:
        self._conn, child = multiprocessing.get_context("fork").Pipe()
        self._process = multiprocessing.get_context("fork").Process(
            target=_serve_fake, args=(child,), daemon=True
        )
        self._process.start()
        self.base_url, self.token = self._conn.recv()

    def _call(self, command: str, args: Any = None) -> Any:
        self._conn.send((command, args))
        return self._conn.recv()

    def add_chats(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 10_000):
            self._call("add_chats", ids[start : start + 10_000])

    def limits(self, **limits: int | None) -> None:
        self._call("limits", limits)

    def stats(self, statuses: bool = True) -> tuple[Counter[int], float, int]:
        """sendMessage answers by HTTP status (a copy of every call: slow), CPU s, peak KB."""
        answers, cpu, rss = self._call("stats", statuses)
        return Counter(answers), cpu, rss

    def sent_since(self, n: int) -> tuple[list[tuple[int, str, float]], int]:
        """(chat id, text, time) of every message accepted after the first `n`, and the most
        of them accepted within any one second."""
        sent, busiest = self._call("sent_since", n)
        return list(sent), int(busiest)

    def pauses(self, since: float) -> list[tuple[float, int, float]]:
        """The fake's garbage collections over 20 ms since `since` (`time.monotonic`, the
        same clock in both processes): (when, generation, seconds)."""
        pauses: list[tuple[float, int, float]] = self._call("pauses", since)
        return pauses

    def stop(self) -> None:
        self._call("stop")
        self._process.join(timeout=30)


@dataclass
class Sends:
    """What the fake answered to sendMessage between two snapshots, and its CPU meanwhile;
    `unanswered` were still being answered when the phase was cut off at its time limit."""

    ok: int
    throttled: int
    other: int
    unanswered: int
    fake_cpu: float

    def refusals(self) -> str:
        text = f"{self.throttled} answered 429, {self.other} other refusals"
        return text + (f", {self.unanswered} cut off by the time limit" if self.unanswered else "")


class FakeWatch:
    def __init__(self, fake: Fake) -> None:
        self.fake = fake
        self.statuses, self.cpu, _ = fake.stats()

    def since(self) -> Sends:
        statuses, cpu, _ = self.fake.stats()
        diff = Counter({k: v - self.statuses[k] for k, v in statuses.items()})
        ok, throttled, unanswered = diff[200], diff[429], diff[None]  # type: ignore[index]
        other = diff.total() - ok - throttled - unanswered
        return Sends(ok, throttled, other, unanswered, cpu - self.cpu)


# --- measuring ------------------------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident set (VmHWM), MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """This process's resident set now (VmRSS), MB; 0 where /proc is missing."""
    try:
        status = Path("/proc/self/status").read_text(encoding="ascii")
    except OSError:
        return 0.0
    line = next((x for x in status.splitlines() if x.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) / 1024


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuTimers:
    """CPU seconds spent inside wrapped functions, per name, from any thread (thread_time)."""

    seconds: Counter[str] = field(default_factory=Counter)
    calls: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _undo: list[Callable[[], None]] = field(default_factory=list)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original = getattr(owner, name)
        timers = self

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with timers._lock:
                    timers.seconds[label] += spent
                    timers.calls[label] += 1

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def restore(self) -> None:
        while self._undo:
            self._undo.pop()()


class LogCounter(logging.Handler):
    """Counts log records whose message starts with one of `prefixes` (e.g. index rebuilds)."""

    def __init__(self, *prefixes: str) -> None:
        super().__init__(logging.INFO)
        self.prefixes = prefixes
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        for prefix in self.prefixes:
            if message.startswith(prefix):
                self.counts[prefix] += 1


@dataclass
class Row:
    what: str
    data: str
    figure: str


@dataclass
class Report:
    """The printed table's rows, memory after each phase (phase, peak MB, MB now, the fake's
    peak MB), the peaks of the benchmark's own child processes, notes, and `figures`: the
    JSON."""

    rows: list[Row] = field(default_factory=list)
    memory: list[tuple[str, float, float, float]] = field(default_factory=list)
    children: list[tuple[str, float]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    json_path: Path | None = None  # written after every phase: a run cut short keeps its figures

    def save(self) -> None:
        if self.json_path is not None:
            self.json_path.write_text(json.dumps(self.figures, indent=1) + "\n", encoding="utf-8")

    def add(self, what: str, data: str, figure: str) -> None:
        self.rows.append(Row(what, data, figure))
        print(f"  {what}: {figure}", file=sys.stderr, flush=True)

    def phase_done(
        self, phase: str, fake: Fake | None, started: float, *, the_bots: bool = True
    ) -> None:
        """`the_bots`: false for a phase whose work in this process is the benchmark's own
        (the two workers' phase reads the fake's every message and imports pytest): its peak
        is not the bot's, so `peak_rss_mb` stays what the bot's phases reached."""
        fake_mb = fake.stats(statuses=False)[2] / 1024 if fake is not None else 0.0
        self.memory.append((phase, peak_mb(), rss_mb(), fake_mb))
        if the_bots:
            self.figures["peak_rss_mb"] = round(peak_mb(), 1)
        self.figures.setdefault("rss_mb_by_phase", {})[phase] = round(rss_mb(), 1)
        self.figures.setdefault("phases_done", []).append(phase)
        self.save()
        print(f"[{time.monotonic() - started:6.1f}s] {phase} done", file=sys.stderr, flush=True)


def first_line(text: str | None, limit: int = 110) -> str:
    line = (text or "").splitlines()[0] if text else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def table(headers: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def top_functions(profile: cProfile.Profile, n: int = 10, *, ours: bool = False) -> str:
    """The top `n` functions by own time, or (`ours`) those of bot/ by cumulative time."""
    stats = pstats.Stats(profile)
    entries = sorted(
        stats.stats.items(),  # type: ignore[attr-defined]
        key=lambda kv: kv[1][3 if ours else 2],
        reverse=True,
    )
    # The whole run: own times add up to it (the outermost call's cumulative time, less overhead).
    total = max(sum(v[2] for _, v in entries), max((v[3] for _, v in entries), default=0)) or 1.0
    if ours:
        entries = [e for e in entries if e[0][0].startswith(str(REPO / "bot"))]
    lines = []
    for (path, line, name), (_cc, calls, tottime, cumtime, _callers) in entries[:n]:
        where = path.split("site-packages/")[-1].replace(str(REPO) + "/", "")
        where = "built-in" if where == "~" else f"{where.split('/python3.11/')[-1]}:{line}"
        share = f"{(cumtime if ours else tottime) / total:.0%}"
        lines.append(
            [f"`{name}` ({where})", f"{calls:,}", f"{tottime:.2f}", share, f"{cumtime:.2f}"]
        )
    share = "share (cumulative)" if ours else "share (own)"
    return table(["function", "calls", "own s", share, "cumulative s"], lines)
