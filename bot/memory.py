"""The process's memory: how glibc's allocator is asked to keep a long-running bot lean.

A bot's heap grows in bursts (a poll that stores a thousand stories and queues seventy
thousand alerts, a digest fan-out, an index build) and then goes back to what it holds
between them. CPython returns its own small-object arenas once they are empty, but larger
blocks (an alert's text, a page's tree, a driver's row buffers) come from glibc's malloc,
which keeps freed pages resident for the next burst. Both calls here are glibc's own knobs,
through ctypes: there is no library for them, and each is one line.

Nothing happens without glibc (no `mallopt` or `malloc_trim`; musl's `mallopt` answers 0).

The cyclic garbage collector is the other knob (`set_aside_long_lived`): what a bot builds once
and keeps (its indexes, the models it loaded) need not be walked again by every full collection.
"""

from __future__ import annotations

import ctypes
import gc
import os

__all__ = [
    "MALLOC_ARENAS",
    "YOUNG_OBJECTS",
    "limit_malloc_arenas",
    "return_free_memory",
    "set_aside_long_lived",
]

#: How many malloc arenas glibc may create in a bot's process (see `limit_malloc_arenas`).
MALLOC_ARENAS = 1
_M_ARENA_MAX = -8  # glibc's malloc.h

#: Container objects allocated, net of those freed, between two collections of the youngest
#: generation once the long-lived data is set aside (CPython's default is 700; see
#: `set_aside_long_lived`).
YOUNG_OBJECTS = 10_000


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


def set_aside_long_lived() -> bool:
    """Moves every object alive now out of the collector's sight (`gc.freeze`) and lets the
    youngest generation grow to `YOUNG_OBJECTS`, once a process; whether this call did.

    Called once the indexes a bot holds for its lifetime are built. A full collection walks
    every tracked object, and a burst's allocations set off a few of them: a bot holding the
    subscription index of 100,000 chats tracks about 380,000 objects, walked each time for
    nothing, since they stay. Frozen objects are still freed when their last reference goes (a
    query removed, an index rebuilt); what is lost is the collection of cycles among them, so
    the garbage is collected first and the freeze is done once: a later call would freeze
    whatever other work of the process has in flight at that moment.

    A burst allocates millions of short-lived containers (rows, tuples, parse results), nearly
    all freed by their reference counts; with CPython's default the youngest generation is
    collected after every 700 of them (about a thousand times in the load benchmark's
    burst), with `YOUNG_OBJECTS` about fifteen times. A cycle then waits a little longer to be
    freed: kilobytes, against a heap of hundreds of megabytes.
    """
    if gc.get_freeze_count():
        return False
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_OBJECTS, *gc.get_threshold()[1:])
    return True


def _libc_function(name: str) -> ctypes._NamedFuncPointer | None:
    """A function of the process's C library, or None when there is no such function."""
    if os.name != "posix":
        return None
    try:
        function: ctypes._NamedFuncPointer = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):
        return None
    return function
