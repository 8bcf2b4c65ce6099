"""Fixtures for the extraction tests: pages of the shared extraction sets with their truth."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path

import pytest

BenchmarkPage = Callable[[str], tuple[str, dict[str, str]]]


def _extraction_page(folder: Path, prefix: str) -> tuple[str, dict[str, str]]:
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    key = next(k for k in truth if k.startswith(prefix))
    with gzip.open(folder / "html" / f"{key}.html.gz", "rt", encoding="utf8") as f:
        return f.read(), truth[key]


@pytest.fixture(scope="session")
def extraction_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "extraction"


@pytest.fixture(scope="session")
def benchmark_page(extraction_dir: Path) -> BenchmarkPage:
    """HTML of a Scrapinghub benchmark page (by item-id prefix) and its ground truth."""
    folder = extraction_dir / "scrapinghub-article-extraction-benchmark"
    return lambda prefix: _extraction_page(folder, prefix)
