"""The process's memory (bot/memory.py): glibc's arenas capped and freed heap pages handed
back when glibc is there, and nothing at all where it is not or where the operator chose a
number of arenas."""

from __future__ import annotations

import ctypes
import platform

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
