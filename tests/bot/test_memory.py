"""The process's memory (bot/memory.py): glibc's arenas capped and freed heap pages handed
back when glibc is there, and nothing at all where it is not or where the operator chose a
number of arenas; the long-lived data set aside from the garbage collector once a process."""

from __future__ import annotations

import ctypes
import json
import platform
import subprocess
import sys

import pytest

import bot.memory
from bot.memory import MALLOC_ARENAS, limit_malloc_arenas, return_free_memory


class _Libc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1

    def malloc_trim(self, pad: int) -> int:
        self.calls.append((0, pad))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> _Libc:
    fake = _Libc()
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(bot.memory.ctypes, "CDLL", lambda name: fake)
    return fake


def test_the_cap_is_asked_of_mallopt(libc: _Libc) -> None:
    assert limit_malloc_arenas() is True
    assert libc.calls == [(-8, MALLOC_ARENAS)]  # M_ARENA_MAX


def test_the_operators_malloc_arena_max_wins(libc: _Libc, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
    assert libc.calls == []


def test_a_libc_without_mallopt_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(bot.memory.ctypes, "CDLL", lambda name: object())
    assert limit_malloc_arenas() is False


def test_no_loadable_c_library_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str | None) -> ctypes.CDLL:
        raise OSError("no C library")

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(bot.memory.ctypes, "CDLL", missing)
    assert limit_malloc_arenas() is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_glibc_takes_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True


def test_free_pages_are_asked_back_through_malloc_trim(libc: _Libc) -> None:
    assert return_free_memory() is True
    assert libc.calls == [(0, 0)]  # malloc_trim(0): keep no padding


def test_a_libc_without_malloc_trim_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.memory.ctypes, "CDLL", lambda name: object())
    assert return_free_memory() is False


def _resident_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc_trim only")
def test_glibc_hands_back_the_holes_a_burst_leaves_in_the_heap() -> None:
    blocks = [bytearray(4096) for _ in range(20_000)]  # 80 MB from malloc, not pymalloc
    kept = blocks[::20]  # what outlives the burst, spread all over the heap
    del blocks
    before = _resident_mb()
    assert return_free_memory() is True
    assert before - _resident_mb() > 40  # of the 76 MB freed between the kept blocks
    assert len(kept) == 1_000


_SET_ASIDE = """
import gc, json
from bot.memory import YOUNG_OBJECTS, set_aside_long_lived

kept, before = [[]], gc.get_freeze_count()  # what a bot builds once and keeps (a list: tracked)
first = set_aside_long_lived()
frozen = gc.get_freeze_count()
tracked = any(o is kept for o in gc.get_objects())
later = [[] for _ in range(100)]  # the process's work afterwards
second = set_aside_long_lived()
print(json.dumps({
    "before": before, "first": first, "frozen": frozen, "kept_tracked": tracked,
    "second": second, "frozen_after_second": gc.get_freeze_count(),
    "later_tracked": any(o is later for o in gc.get_objects()),
    "young": gc.get_threshold()[0], "wanted": YOUNG_OBJECTS,
}))
"""


def _in_a_fresh_process(code: str) -> dict[str, object]:
    """The collector's state is the process's: each case runs in an interpreter of its own."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found: dict[str, object] = json.loads(done.stdout)
    return found


def test_what_is_alive_when_the_indexes_are_built_is_set_aside_once() -> None:
    found = _in_a_fresh_process(_SET_ASIDE)
    assert found["before"] == 0 and found["first"] is True
    assert isinstance(found["frozen"], int) and found["frozen"] > 0
    assert found["kept_tracked"] is False  # no collection walks it again
    assert found["young"] == found["wanted"]


def test_a_second_call_leaves_the_later_work_to_the_collector() -> None:
    found = _in_a_fresh_process(_SET_ASIDE)
    assert found["second"] is False
    assert found["frozen_after_second"] == found["frozen"]
    assert found["later_tracked"] is True
