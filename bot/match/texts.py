"""The distinct query texts of an index, by number, in a few flat buffers.

A bot holds a couple of hundred thousand distinct query texts. As ``str`` objects in a
``dict`` (text -> number) and a ``list`` (number -> text) they cost about 110 bytes each
beyond their characters: the object header, the dict's entry and hash slot, the list's
pointer. Here a text is its UTF-8 bytes in one ``bytearray``, found through an open-addressing
table of numbers (``array('i')``) probed by the text's hash: about 30 bytes beyond the
characters. No library offers a compact string-to-int map in pure Python (``marisa-trie`` and
``datrie`` are static or compiled), and this one is a small open-addressing table.

Numbers are the caller's (``QueryIndex`` hands them out, dense and reused); removing a text
leaves its bytes behind until the dead bytes outweigh the live ones, when the buffer is
rewritten.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator

__all__ = ["Texts"]

_EMPTY = -1  # a slot never used
_GONE = -2  # a slot whose text was removed: probing goes on past it


class Texts:
    """Distinct texts by number, and the number of a text."""

    def __init__(self) -> None:
        self._bytes = bytearray()
        self._start = array("q")  # by number: where its bytes start
        self._size = array("i")  # by number: how many bytes; -1 when the number holds nothing
        self._slots = array("i", [_EMPTY]) * 8  # numbers, by hash; a power of two long
        self._count = 0
        self._used = 0  # slots not _EMPTY (texts and _GONE marks)
        self._dead = 0  # bytes of removed texts

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, number: int) -> str | None:
        """The text of this number, or None."""
        if number >= len(self._size) or (size := self._size[number]) < 0:
            return None
        start = self._start[number]
        return self._bytes[start : start + size].decode()

    def buffers(self) -> tuple[bytearray, array[int], array[int]]:
        """The bytes, and each number's start and size in them: a loop that reads thousands
        of texts in a row (matching's) slices them itself, without a call per text; valid
        until the next change."""
        return self._bytes, self._start, self._size

    def number(self, text: str) -> int | None:
        """The number of this text, or None when it is not held."""
        slot = self._find(text.encode(), hash(text))
        found = self._slots[slot]
        return None if found < 0 else found

    def add(self, number: int, text: str) -> None:
        """Hold ``text`` (not held yet) under ``number`` (holding nothing)."""
        encoded = text.encode()
        while number >= len(self._size):
            self._start.append(0)
            self._size.append(-1)
        self._start[number], self._size[number] = len(self._bytes), len(encoded)
        self._bytes += encoded
        slot = self._find(encoded, hash(text))
        if self._slots[slot] == _EMPTY:
            self._used += 1
        self._slots[slot] = number
        self._count += 1
        if 3 * self._used > 2 * len(self._slots):
            self._rehash()

    def remove(self, number: int) -> None:
        """Forget the text of this number (one held)."""
        text = self[number]
        if text is None:
            raise KeyError(number)
        self._slots[self._find(text.encode(), hash(text))] = _GONE
        self._dead += self._size[number]
        self._size[number] = -1
        self._count -= 1
        if self._dead > max(len(self._bytes) // 2, 1 << 16):
            self._compact()

    def items(self) -> Iterator[tuple[int, str]]:
        """Every (number, text) held, by number."""
        for number in range(len(self._size)):
            text = self[number]
            if text is not None:
                yield number, text

    def _find(self, encoded: bytes, key: int) -> int:
        """The slot holding this text, else the first free one on its probe sequence (a
        removed text's slot when one was passed: it is reused)."""
        slots, start, size, data = self._slots, self._start, self._size, self._bytes
        mask = len(slots) - 1
        i, reusable = key & mask, -1
        perturb = key & 0xFFFFFFFFFFFFFFFF
        while True:
            number = slots[i]
            if number == _EMPTY:
                return i if reusable < 0 else reusable
            if number == _GONE:
                if reusable < 0:
                    reusable = i
            elif size[number] == len(encoded) and data.startswith(encoded, start[number]):
                return i
            perturb >>= 5  # CPython's own probe sequence: every slot is reached
            i = (5 * i + 1 + perturb) & mask

    def _rehash(self) -> None:
        """Slots twice as many as needed for the texts held (removed marks dropped)."""
        size = 8
        while 3 * self._count >= size:
            size *= 2
        self._slots = array("i", [_EMPTY]) * (2 * size)
        self._used = 0
        for number, text in self.items():
            self._slots[self._find(text.encode(), hash(text))] = number
            self._used += 1

    def _compact(self) -> None:
        """The buffer rewritten with the live texts only."""
        live = bytearray()
        for number, text in self.items():
            self._start[number] = len(live)
            live += text.encode()
        self._bytes, self._dead = live, 0
