"""The summarization benchmark's scoring: data files, ROUGE per article, the paired bootstrap.

Nothing here summarizes: `benchmarks/summarize.py` runs the methods and hands their
summaries to `Scores`; table rows format the figures with `rouges` and `interval`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from rouge_score import rouge_scorer, tokenizers


def load(path: Path, limit: int | None) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return rows[:limit] if limit else rows


class CachedTokenizer(tokenizers.Tokenizer):  # type: ignore[misc]
    """A rouge-score tokenizer, memoized: methods share sentences and every one is scored."""

    def __init__(self, english: bool) -> None:
        self._english = tokenizers.DefaultTokenizer(use_stemmer=True) if english else None
        self._cache: dict[str, list[str]] = {}

    def tokenize(self, text: str) -> list[str]:
        tokens = self._cache.get(text)
        if tokens is None:
            if self._english is not None:
                tokens = self._english.tokenize(text)
            else:
                tokens = re.findall(r"\w+", text.lower())
            self._cache[text] = tokens
        return tokens


_SCORERS: dict[bool, rouge_scorer.RougeScorer] = {}


@dataclass
class Scores:
    """Per-article ROUGE F1 x100 of one method on some articles, and the time it took."""

    rouge1: list[float] = field(default_factory=list)
    rouge2: list[float] = field(default_factory=list)
    rouge_lsum: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, reference: str, summary: list[str], language: str) -> None:
        english = language == "en"
        if english not in _SCORERS:
            _SCORERS[english] = rouge_scorer.RougeScorer(
                ["rouge1", "rouge2", "rougeLsum"], tokenizer=CachedTokenizer(english)
            )
        scores = _SCORERS[english].score(reference, "\n".join(summary))
        self.rouge1.append(100 * scores["rouge1"].fmeasure)
        self.rouge2.append(100 * scores["rouge2"].fmeasure)
        self.rouge_lsum.append(100 * scores["rougeLsum"].fmeasure)

    def extend(self, other: Scores) -> None:
        self.rouge1 += other.rouge1
        self.rouge2 += other.rouge2
        self.rouge_lsum += other.rouge_lsum
        self.seconds += other.seconds

    def figures(self) -> dict[str, float]:
        return {
            "rouge1": float(np.mean(self.rouge1)),
            "rouge2": float(np.mean(self.rouge2)),
            "rouge_lsum": float(np.mean(self.rouge_lsum)),
            "articles_per_second": len(self.rouge1) / self.seconds if self.seconds else 0.0,
        }


def bootstrap(difference: Iterable[float], resamples: int) -> dict[str, float]:
    """Mean of paired differences and its percentile 95% interval (seeded)."""
    d = np.asarray(list(difference))
    rng = np.random.default_rng(0)
    means = np.empty(resamples)
    for start in range(0, resamples, 500):  # in blocks, to bound memory on big sets
        block = rng.integers(0, len(d), (min(500, resamples - start), len(d)))
        means[start : start + len(block)] = d[block].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return {"mean": float(d.mean()), "low": float(low), "high": float(high)}


def compare(ours: Scores, lead: Scores, resamples: int) -> dict[str, Any]:
    """One row's figures: Lead-k's, the method's, and the paired R1 difference."""
    return {
        "articles": len(lead.rouge1),
        "lead": lead.figures(),
        "method": ours.figures(),
        "delta_rouge1": bootstrap(np.subtract(ours.rouge1, lead.rouge1), resamples),
    }


def rouges(figures: dict[str, float]) -> str:
    return f"{figures['rouge1']:.2f}/{figures['rouge2']:.2f}/{figures['rouge_lsum']:.2f}"


def interval(d: dict[str, float]) -> str:
    return f"{d['mean']:+.2f} [{d['low']:+.2f}, {d['high']:+.2f}]"
