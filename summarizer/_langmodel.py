"""py3langid's model arrays, read from its packaged file into compact forms that answer alike.

Both large arrays are mostly one value repeated, and a bot keeps them for its whole life:

* the naive Bayes table (features x languages, float16, 22 MB for the two-letter languages):
  in every column 81% of the cells hold the column's smallest value (the smoothed probability
  of a feature the language never showed). :class:`Table` keeps that floor per column and the
  other cells row by row (column number and value): 7 MB;
* the DFA's transitions (38,346 distinct rows of 256 next states, 20 MB as 17-bit values):
  78% of the cells equal the same byte's cell in the start state's row (a byte that starts no
  known n-gram leads where it leads from the start). :class:`Transitions` keeps that row and,
  for each other row, a 256-bit mask of the bytes that differ and their next states: 7 MB.

No general sparse-matrix library is used: scipy would cost more memory on import (about 70 MB)
than it saves, and the DFA's walk needs its rows in the shape of its own loop, one byte at a
time. Each large array is read twice in slices (once for its common values, once for the
rest), so it is never held whole: the file is a local temporary one, and reading it again
costs milliseconds.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from typing import Any

from ._errors import SummarizerError

__all__ = ["Opener", "Table", "Transitions"]

_SLICE = 1 << 16  # values of a large array read at a time: 2**20 left 8 MB more heap behind
Opener = Callable[[], io.BufferedIOBase]  # opens one .npy member of the model, from its start


def _read_npy(member: io.BufferedIOBase) -> tuple[tuple[int, ...], Iterator[tuple[int, Any]]]:
    """An .npy array from a stream: its shape, and its rows in slices, (first row, rows).

    Every slice is read into the same buffer, so a large array is never held whole, and no
    large temporary copies are left to fragment the heap. Slices are whole multiples of 256
    values for flat arrays (the DFA's rows).
    """
    import numpy as np

    version = np.lib.format.read_magic(member)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(member)
    else:
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(member)
    if fortran or not shape:
        raise SummarizerError("py3langid's model: expected arrays of rows in C order")
    rows, row_shape = shape[0], tuple(shape[1:])
    step = max(256, _SLICE // max(1, int(np.prod(row_shape))) // 256 * 256)

    def slices() -> Iterator[tuple[int, Any]]:
        buffer = np.empty((min(step, rows), *row_shape), dtype=dtype)
        for start in range(0, rows, step):
            part = buffer[: min(step, rows - start)]
            view = part.data.cast("B")
            filled = 0
            while filled < len(view):
                read = member.readinto(view[filled:])
                if not read:
                    raise SummarizerError("py3langid's model file is truncated")
                filled += read
            yield start, part

    return shape, slices()


def _slices(open_member: Opener) -> Iterator[tuple[int, Any]]:
    with open_member() as member:
        yield from _read_npy(member)[1]


class Table:
    """The naive Bayes table with only the kept columns: each column's floor, the rest by row."""

    def __init__(self, open_member: Opener, kept: list[int]) -> None:
        import numpy as np

        self._np = np
        floor: Any = None
        for _, rows in _slices(open_member):
            least = rows[:, kept].min(axis=0)
            floor = least if floor is None else np.minimum(floor, least)
        if floor is None:
            raise SummarizerError("py3langid's model has an empty table")
        self._floor = floor.astype(np.float32)
        counts: list[Any] = []
        columns: list[Any] = []
        values: list[Any] = []
        for _, rows in _slices(open_member):
            part = rows[:, kept]
            other = part != floor
            counts.append(other.sum(axis=1, dtype=np.uint32))
            columns.append(np.nonzero(other)[1].astype(np.uint8))  # row by row, in order
            values.append(part[other])
        self._starts = np.concatenate([[0], np.cumsum(np.concatenate(counts))]).astype(np.uint32)
        self._columns = np.concatenate(columns)
        self._values = np.concatenate(values)

    def rows(self, features: Any) -> Any:
        """The table's rows of ``features`` as float32, as ``table[features]`` would give."""
        np = self._np
        starts = self._starts[features].astype(np.intp)
        lengths = self._starts[features + 1].astype(np.intp) - starts
        dense = np.tile(self._floor, (len(features), 1))
        row = np.repeat(np.arange(len(features)), lengths)
        first = np.cumsum(lengths) - lengths  # where each row's cells start among the gathered
        cell = np.arange(int(lengths.sum())) - np.repeat(first - starts, lengths)
        dense[row, self._columns[cell]] = self._values[cell]
        return dense


class Transitions:
    """The DFA's rows of next states, each kept as where it differs from the start row."""

    def __init__(self, open_member: Opener, start_offset: int) -> None:
        import numpy as np

        start_row: Any = None
        for first, states in _slices(open_member):
            if first <= start_offset < first + len(states):
                start_row = states[start_offset - first : start_offset - first + 256].copy()
                break
        if start_row is None or len(start_row) != 256:
            raise SummarizerError("py3langid's model: no start state's row")
        self.start: list[int] = start_row.tolist()
        self.masks: list[int] = []  # by row: bit b set when byte b leads elsewhere
        counts: list[Any] = []
        low: list[Any] = []
        high: list[Any] = []
        for _, states in _slices(open_member):
            if int(states.max()) >> 17:
                raise SummarizerError("py3langid's model has more states than 17 bits hold")
            rows = states.reshape(-1, 256)
            other = rows != start_row
            self.masks += _masks(np.packbits(other, axis=1, bitorder="little"))
            counts.append(other.sum(axis=1, dtype=np.uint32))
            kept = rows[other].astype("<u4", copy=False).view("<u2")  # low, high, low, ...
            low.append(kept[0::2].copy())
            high.append(kept[1::2].astype(np.bool_))
        starts = np.concatenate([[0], np.cumsum(np.concatenate(counts))[:-1]]).astype(np.uint32)
        self.offsets = starts.data  # by row: where its next states start
        self.low = np.concatenate(low).data  # the next states' low 16 bits
        self.high = np.packbits(np.concatenate(high), bitorder="little").tobytes()  # bit 16

    def follow(self, row: int, byte: int) -> int:
        """The next state from a state of ``row`` on ``byte`` (the walk inlines this)."""
        mask = self.masks[row]
        if not mask >> byte & 1:
            return self.start[byte]
        move = self.offsets[row] + (mask & ((1 << byte) - 1)).bit_count()
        return int(self.low[move] | (self.high[move >> 3] >> (move & 7) & 1) << 16)


def _masks(packed: Any) -> list[int]:
    """Each row of 32 packed bytes as one 256-bit integer (bit b: byte b)."""
    raw = packed.tobytes()
    return [int.from_bytes(raw[i : i + 32], "little") for i in range(0, len(raw), 32)]
