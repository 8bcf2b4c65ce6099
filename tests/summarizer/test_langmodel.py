"""The language model's compact arrays give back exactly what the plain arrays hold."""

from __future__ import annotations

import io

import numpy as np

from summarizer._langmodel import Table, Transitions


def _opener(array: np.ndarray) -> object:
    buffer = io.BytesIO()
    np.save(buffer, array)
    data = buffer.getvalue()
    return lambda: io.BufferedReader(io.BytesIO(data))  # type: ignore[arg-type]


def test_table_rows_equal_the_plain_tables_rows_of_the_kept_columns() -> None:
    rng = np.random.default_rng(7)
    plain = np.full((300, 6), -9.5, dtype=np.float16)
    cells = rng.random(plain.shape) < 0.2
    plain[cells] = rng.normal(-3, 1, int(cells.sum())).astype(np.float16)
    kept = [0, 2, 3, 5]
    table = Table(_opener(plain), kept)  # type: ignore[arg-type]
    features = np.array([0, 17, 17, 299, 150], dtype=np.intp)
    assert np.array_equal(table.rows(features), plain[features][:, kept].astype(np.float32))


def test_transitions_give_every_rows_next_state_including_those_beyond_16_bits() -> None:
    rng = np.random.default_rng(11)
    start = rng.integers(0, 2**17, 256, dtype=np.uint32)
    rows = np.tile(start, (40, 1))
    differ = rng.random(rows.shape) < 0.25
    rows[differ] = rng.integers(0, 2**17, int(differ.sum()), dtype=np.uint32)
    rows[3] = start  # the start state's row, at the offset given
    moves = Transitions(_opener(rows.reshape(-1)), start_offset=256 * 3)  # type: ignore[arg-type]
    for r in range(40):
        for byte in range(256):
            assert moves.follow(r, byte) == rows[r, byte]
