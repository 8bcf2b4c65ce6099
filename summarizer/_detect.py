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
  Here the two large arrays are kept in compact forms that answer alike (``_langmodel``), read
  in slices and never held whole: loading the model grows a process that has imported the
  summarizer by 24 MB, against 55 MB when both were kept as plain arrays, with the same answer
  on all 5,126 texts of ../shared/data/summarization. The price is time: 0.22 ms a text
  against 0.08 (1.15 CPU s for the 5,126), which a story pays once.
"""

from __future__ import annotations

import functools
import io
import re
from collections import Counter
from typing import Any, cast

from ._langmodel import Opener, Table, Transitions

__all__ = ["FALLBACK_LANGUAGE", "detect_language"]

#: What :func:`detect_language` answers when a text gives it nothing to go on.
FALLBACK_LANGUAGE = "en"

# How much text language detection reads: the walk goes byte by byte in Python, and a few
# hundred characters of prose identify a language as well as the whole article.
_DETECTION_SAMPLE = 200
_LETTER = re.compile(r"[^\W\d_]")


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
                rows = model["nextmove_row"].astype(np.uint32)
                self._rows = memoryview(rows)  # state -> its row of 256 next states
                start_offset = int(rows[0]) << 8
                self._output = memoryview(model["out_feat"])  # state -> feature or -1
            unpacked.seek(0)
            with zipfile.ZipFile(unpacked) as archive:

                def member(name: str) -> Opener:
                    # ZipFile.open gives a ZipExtFile, a BufferedIOBase (typeshed: IO[bytes])
                    return lambda: cast(io.BufferedIOBase, archive.open(name))

                self._ptc = Table(member("ptc.npy"), kept)  # features x languages
                self._moves = Transitions(member("nextmove.npy"), start_offset)

    def _visits(self, encoded: bytes) -> Counter[int]:
        """How often each feature occurs in ``encoded``: py3langid's ``visit_counts``."""
        moves, rows, output = self._moves, self._rows, self._output
        start, masks, offsets, low, high = (
            moves.start,
            moves.masks,
            moves.offsets,
            moves.low,
            moves.high,
        )
        state = 0
        features = []
        for byte in encoded:
            row = rows[state]
            mask = masks[row]
            if mask >> byte & 1:  # Transitions.follow, inlined: the loop every byte runs
                move = offsets[row] + (mask & ((1 << byte) - 1)).bit_count()
                state = low[move] | (high[move >> 3] >> (move & 7) & 1) << 16
            else:
                state = start[byte]
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
        scores = np.log1p(counts) @ self._ptc.rows(rows) + self._pc
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
