"""Which language a text is written in: py3langid's model, offline, leaner than py3langid.

py3langid walks a text's bytes through a DFA whose states emit byte n-gram features, then
scores the features with a naive Bayes table. This module reads py3langid 0.4.0's packaged
model file and walks and scores it as py3langid does (a test checks that the answers agree
with ``py3langid.classify``), with three differences:

* only ISO 639-1 answers: the model also answers ISO 639-3 codes for dialects ("arz",
  "yue") and "zxx" (no language); their columns are dropped, so every answer has two letters;
* faster scoring: py3langid multiplies float16 rows in numpy's slow float16 loops; gathering
  the few rows a text uses and converting them to float32 first gives the same answers three
  times faster;
* less memory: py3langid holds the model in Python lists and ``array`` copies of its numpy
  arrays (75 MB, and 40 MB more while loading, in every process that detects a language).
  Here the walk reads numpy arrays through memoryviews, which index as fast as ``array``, and
  the DFA's 9.8 million transitions (40 MB as uint32) are kept as their low 16 bits plus a
  bitmap of the 17th, since the model has fewer than 2**17 states. The large arrays are read
  in slices: 45 MB of arrays in all, and never much more while loading. Detection is no
  slower (6,223 texts of ../shared: 0.72-0.76 CPU s, py3langid's walk 0.82-1.02).
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from collections.abc import Iterator
from typing import Any, cast

from ._errors import SummarizerError

__all__ = ["FALLBACK_LANGUAGE", "detect_language"]

#: What :func:`detect_language` answers when a text gives it nothing to go on.
FALLBACK_LANGUAGE = "en"

# How much text language detection reads: the walk goes byte by byte in Python, and a few
# hundred characters of prose identify a language as well as the whole article.
_DETECTION_SAMPLE = 200
_LETTER = re.compile(r"[^\W\d_]")
_SLICE = 1 << 20  # values of a large array read at a time while loading


def _read_npy(member: io.BufferedIOBase) -> tuple[tuple[int, ...], Iterator[tuple[int, Any]]]:
    """An .npy array from a stream: its shape, and its rows in slices, (first row, rows).

    Every slice is read into the same buffer, so a large array is never held whole, and
    no large temporary copies are left to fragment the heap.
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
    step = max(8, _SLICE // max(1, int(np.prod(row_shape))) // 8 * 8)  # whole bytes of bits

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


def _columns(member: io.BufferedIOBase, kept: list[int]) -> Any:
    """The naive Bayes table (features x languages, float16) with only the ``kept`` columns."""
    import numpy as np

    shape, slices = _read_npy(member)
    table = np.empty((shape[0], len(kept)), dtype=np.float16)
    for start, rows in slices:
        table[start : start + len(rows)] = rows[:, kept]
    return table


def _transitions(member: io.BufferedIOBase) -> tuple[memoryview, bytes]:
    """The DFA's next states (uint32): their low 16 bits, and a bitmap of bit 16."""
    import numpy as np

    shape, slices = _read_npy(member)
    low = np.empty(shape[0], dtype=np.uint16)
    high = bytearray()
    for start, states in slices:
        if int(states.max()) >> 17:
            raise SummarizerError("py3langid's model has more states than 17 bits hold")
        halves = states.astype("<u4", copy=False).view("<u2")  # low, high, low, high ...
        low[start : start + len(states)] = halves[0::2]
        high += np.packbits(halves[1::2], bitorder="little").tobytes()
    return low.data, bytes(high)


class _Detector:
    """The model, loaded once (about 0.5 s); see the module docstring."""

    def __init__(self) -> None:
        import lzma
        import shutil
        import tempfile
        import zipfile

        import numpy as np
        from py3langid.langid import MODEL_DIR, MODEL_FILE

        self._np = np
        # As py3langid does: through a file, so the uncompressed archive is never in memory.
        with tempfile.TemporaryFile(suffix=".npz") as unpacked:
            with lzma.open(MODEL_DIR / MODEL_FILE) as packed:
                shutil.copyfileobj(packed, unpacked, length=1 << 20)
            unpacked.seek(0)
            with np.load(unpacked, allow_pickle=False) as model:  # the small arrays
                labels: list[str] = model["classes"].tolist()
                kept = [i for i, label in enumerate(labels) if len(label) == 2]
                self._labels = [labels[i] for i in kept]
                self._pc: Any = model["pc"][kept]
                rows = model["nextmove_row"].astype(np.uint32) << np.uint32(8)
                self._rowbase = memoryview(rows)  # state -> offset of its row of 256
                self._output = memoryview(model["out_feat"])  # state -> feature or -1
            unpacked.seek(0)
            with zipfile.ZipFile(unpacked) as archive:
                # ZipFile.open gives a ZipExtFile, a BufferedIOBase (typeshed says IO[bytes])
                with cast(io.BufferedIOBase, archive.open("ptc.npy")) as member:
                    self._ptc = _columns(member, kept)  # float16, features x languages
                with cast(io.BufferedIOBase, archive.open("nextmove.npy")) as member:
                    self._low, self._high = _transitions(member)  # the DFA's rows of 256

    def _visits(self, encoded: bytes) -> Counter[int]:
        """How often each feature occurs in ``encoded``: py3langid's ``visit_counts``."""
        low, high, rowbase, output = self._low, self._high, self._rowbase, self._output
        state = 0
        features = []
        for byte in encoded:
            move = rowbase[state] + byte
            state = low[move] | (high[move >> 3] >> (move & 7) & 1) << 16
            feature = output[state]
            if feature >= 0:
                features.append(feature)
        return Counter(features)

    def classify(self, text: str) -> str:
        from py3langid.langid import LanguageIdentifier

        np = self._np
        visits = self._visits(LanguageIdentifier._encode(text))
        if not visits:
            return FALLBACK_LANGUAGE
        rows = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
        counts = np.fromiter(visits.values(), dtype=np.float32, count=len(visits))
        scores = np.log1p(counts) @ self._ptc[rows].astype(np.float32) + self._pc
        return self._labels[int(np.argmax(scores))]


@functools.cache
def _detector() -> _Detector:
    return _Detector()


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language ``text`` is written in; ``"en"`` when it has no letters.

    Offline (py3langid's packaged model). Reads the first few hundred characters only, which
    is plenty for prose and keeps detection well under a millisecond.
    """
    first_letter = _LETTER.search(text)
    if first_letter is None:
        return FALLBACK_LANGUAGE
    start = first_letter.start()
    return _detector().classify(text[start : start + _DETECTION_SAMPLE])
