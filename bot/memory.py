"""The process's memory: how glibc's allocator is asked to keep a long-running bot lean.

A bot's heap grows in bursts (a poll that stores a thousand stories and queues seventy
thousand alerts, a digest fan-out, an index build) and then goes back to what it holds
between them. CPython returns its own small-object arenas once they are empty, but larger
blocks (an alert's text, a page's tree, a driver's row buffers) come from glibc's malloc,
which keeps freed pages resident for the next burst. Both calls here are glibc's own knobs,
through ctypes: there is no library for them, and each is one line.

Nothing happens without glibc (no `mallopt` or `malloc_trim`; musl's `mallopt` answers 0).
"""

from __future__ import annotations

import ctypes
import os

__all__ = ["MALLOC_ARENAS", "limit_malloc_arenas", "return_free_memory"]

#: How many malloc arenas glibc may create in a bot's process (see `limit_malloc_arenas`).
MALLOC_ARENAS = 1
_M_ARENA_MAX = -8  # glibc's malloc.h


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """Caps glibc's malloc arenas at `arenas`; whether the cap was set.

    glibc gives a thread that allocates while another holds an arena an arena of its own, up to
    eight per core, and memory freed in one arena never serves another. The pipeline's store
    steps and database reads run in `asyncio.to_thread` workers, so a burst's garbage ends up
    spread over as many arenas as there are workers. One arena is enough: the threads hold the
    GIL for nearly all their allocations, so they rarely contend for it. On
    `benchmarks/load.py` at 100,000 chats (2 cores, with `return_free_memory` after each bulk
    pass) the bot's peak RSS is 282.5 MB with one arena against 303.7 MB with two, the
    burst's CPU time 28.5 s against 26.4 (a loaded machine: within its noise); on `--quick`,
    303 MB with two arenas against 331 MB with glibc's default of 16 (MALLOC_ARENA_MAX=16).
    Nothing happens when the operator set MALLOC_ARENA_MAX, which glibc read at start and
    which wins.
    """
    if os.name != "posix" or "MALLOC_ARENA_MAX" in os.environ:
        return False
    mallopt = _libc_function("mallopt")
    return mallopt is not None and bool(mallopt(_M_ARENA_MAX, arenas))


def return_free_memory() -> bool:
    """Hands the heap's free pages back to the operating system (glibc's `malloc_trim(0)`);
    whether any were.

    Called after each pass that allocates in bulk and frees it all (see the module's
    docstring): without it the next burst starts from the last one's high-water mark, and the
    marks of different kinds of pass add up. A call walks the heap once (milliseconds for a
    few hundred megabytes), far less than the pass it follows.
    """
    trim = _libc_function("malloc_trim")
    return trim is not None and bool(trim(0))


def _libc_function(name: str) -> ctypes._NamedFuncPointer | None:
    """A function of the process's C library, or None when there is no such function."""
    if os.name != "posix":
        return None
    try:
        function: ctypes._NamedFuncPointer = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    return function
