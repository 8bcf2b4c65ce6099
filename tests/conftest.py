"""Fixtures every test may use: where the shared data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The team's shared data folder, beside the repository (../shared)."""
    if not (SHARED / "data").is_dir():
        pytest.fail(f"shared data not found at {SHARED}: clone the repo beside ../shared")
    return SHARED


@pytest.fixture(scope="session")
def seed_texts(shared_dir: Path) -> tuple[str, str]:
    """The seed story twice: the clean article, and another outlet's page text with furniture."""
    seeds = shared_dir / "seeds"
    clean = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    page = next(seeds.glob("003_*.txt")).read_text(encoding="utf-8")
    return clean, page
