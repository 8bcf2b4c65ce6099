"""`limit_malloc_arenas` (bot/services.py): glibc's arenas capped when glibc is there, and
nothing at all where it is not or where the operator chose a number."""

from __future__ import annotations

import ctypes
import platform

import pytest

import bot.services
from bot.services import MALLOC_ARENAS, limit_malloc_arenas


class _Libc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, param: int, value: int) -> int:
        self.calls.append((param, value))
        return 1


@pytest.fixture
def libc(monkeypatch: pytest.MonkeyPatch) -> _Libc:
    fake = _Libc()
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(bot.services.ctypes, "CDLL", lambda name: fake)
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
    monkeypatch.setattr(bot.services.ctypes, "CDLL", lambda name: object())
    assert limit_malloc_arenas() is False


def test_no_loadable_c_library_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str | None) -> ctypes.CDLL:
        raise OSError("no C library")

    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    monkeypatch.setattr(bot.services.ctypes, "CDLL", missing)
    assert limit_malloc_arenas() is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's mallopt only")
def test_glibc_takes_the_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert limit_malloc_arenas() is True
