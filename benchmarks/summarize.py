"""Benchmark every summarizing method: ROUGE against reference summaries, and speed.

    .venv/bin/python benchmarks/summarize.py [--dataset cnndm|bbc|xsum|all] [--limit N]
                                             [--full] [--slow-limit N] [--methods a,b,...]

Data: ../shared/data/summarization (beside the repository), JSONL lines with "text",
"summary" (one reference sentence per line) and, for BBC, "title". For each dataset it
prints one markdown table: a row per method (Lead-k, sumy's summarizers, ours), columns
ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1 x100 (rouge-score, Porter stemming, Lsum with one
sentence per line), mean words per summary, and articles per second.

Speed is CPU time of this process (``time.process_time``), so time given to other
processes does not count, for ``summarize(text, k, title=...)`` as a caller would make it:
language
detection, sentence splitting and word tokenization included. Before timing, each method
summarizes five articles of the dataset, so loading the models (nupunkt, py3langid) is
not counted; the stem memos and nupunkt's cache are emptied before each pass, so no
method profits from running after another. Each method makes ``--repeat`` timed passes
and the fastest counts, which filters out most of the slowdown other load on the machine
causes (shared caches, CPU frequency). BLAS is limited to one thread.

The default method's weights were tuned on cnndm_test_frank (random search on its
even-numbered articles, checked on the odd-numbered ones and on bbc_news_summary), so its
cnndm figures are in-sample; bbc and xsum are not tuned on.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one core, before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from rouge_score import rouge_scorer, tokenizers  # noqa: E402

from summarizer import METHODS, _languages, _splitting, summarize  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "summarization"


@dataclass(frozen=True)
class Dataset:
    key: str
    folder: str
    sentences: int
    note: str
    step: int = 1  # by default, every step-th article (--full: all of them)


DATASETS = {
    "cnndm": Dataset("cnndm", "cnndm_test_frank", 3, "human highlights; tuned on"),
    "bbc": Dataset("bbc", "bbc_news_summary", 3, "extractive, machine-made refs; title given", 2),
    "xsum": Dataset("xsum", "xsum_test_frank", 1, "one-sentence human intro"),
}
# sumy methods slow enough (< ~60 articles/s) to run on fewer articles by default.
SLOW = ("lsa", "kl")
ROW_NAMES = {"default": "**default (ours)**", "lead": "lead (Lead-k)"}
WARM_UP = 5


@dataclass(frozen=True)
class Row:
    method: str
    articles: int
    rouge1: float
    rouge2: float
    rouge_lsum: float
    words: float
    per_second: float


def load(dataset: Dataset, limit: int | None, full: bool) -> tuple[list[dict[str, str]], str]:
    """The articles to run on, and how they were chosen (for the caption)."""
    path = DATA / dataset.folder / f"{dataset.folder}.jsonl"
    with path.open(encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    how = f"all {len(rows)}"
    if dataset.step > 1 and not full:
        # Rows are sorted by category; a stride keeps every category in the sample.
        how = f"every {dataset.step}nd of {len(rows)}; --full for all"
        rows = rows[:: dataset.step]
    if limit:
        how += f"; --limit {limit}"
        rows = rows[:limit]
    return rows, how


class CachedTokenizer(tokenizers.Tokenizer):  # type: ignore[misc]
    """rouge-score's own tokenizer (lower-case, Porter stems), memoized.

    Every method is scored against the same references and often picks the same sentences,
    so scoring is mostly re-tokenizing; the figures are unchanged.
    """

    def __init__(self) -> None:
        self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer=True)
        self._cache: dict[str, list[str]] = {}

    def tokenize(self, text: str) -> list[str]:
        tokens = self._cache.get(text)
        if tokens is None:
            tokens = self._cache[text] = self._tokenizer.tokenize(text)
        return tokens


SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum"], tokenizer=CachedTokenizer())


def forget_caches() -> None:
    """Start each method cold: empty stem memos and nupunkt's decision cache.

    Otherwise a method would run faster for coming after another one on the same articles.
    """
    _languages._language.cache_clear()
    _splitting._punkt().clear_decision_cache()


def timed_pass(
    method: str, rows: list[dict[str, str]], sentences: int
) -> tuple[float, list[list[str]]]:
    """CPU seconds to summarize every row, from cold caches; and the summaries."""
    forget_caches()
    for row in rows[:WARM_UP]:
        summarize(row["text"], sentences, method=method, title=row.get("title"))
    summaries: list[list[str]] = []
    started = time.process_time()
    for row in rows:
        summaries.append(summarize(row["text"], sentences, method=method, title=row.get("title")))
    return time.process_time() - started, summaries


def run(method: str, rows: list[dict[str, str]], sentences: int, repeat: int) -> Row:
    passes = [timed_pass(method, rows, sentences) for _ in range(max(repeat, 1))]
    elapsed = min(seconds for seconds, _ in passes)
    summaries = passes[-1][1]
    totals = [0.0, 0.0, 0.0]
    words = 0
    for row, summary in zip(rows, summaries, strict=True):
        scores = SCORER.score(row["summary"], "\n".join(summary))
        totals[0] += scores["rouge1"].fmeasure
        totals[1] += scores["rouge2"].fmeasure
        totals[2] += scores["rougeLsum"].fmeasure
        words += sum(len(sentence.split()) for sentence in summary)
    n = len(rows)
    return Row(
        method,
        n,
        100 * totals[0] / n,
        100 * totals[1] / n,
        100 * totals[2] / n,
        words / n,
        n / elapsed if elapsed > 0 else float("inf"),
    )


def table(dataset: Dataset, how: str, rows: list[Row], slow_limit: int | None) -> str:
    slow_rows = [r.method for r in rows if r.articles != rows[0].articles]
    caption = (
        f"**{dataset.folder}**: {rows[0].articles} articles ({how}), {dataset.sentences} "
        f"sentence(s) per summary ({dataset.note})."
    )
    if slow_rows:
        caption += (
            f" {', '.join(slow_rows)} ran on the first {slow_limit} articles only "
            "(slow); their figures are not directly comparable."
        )
    lines = [
        caption,
        "",
        "| method | R1 | R2 | RLsum | words | articles/s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        name = ROW_NAMES.get(r.method, f"sumy {r.method}")
        lines.append(
            f"| {name} | {r.rouge1:.2f} | {r.rouge2:.2f} | {r.rouge_lsum:.2f} "
            f"| {r.words:.1f} | {r.per_second:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--full", action="store_true", help="all BBC articles, not every 2nd")
    parser.add_argument(
        "--slow-limit",
        type=int,
        default=100,
        help=f"articles for the slow sumy methods ({', '.join(SLOW)}); 0 = same as --limit",
    )
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated names")
    parser.add_argument(
        "--repeat", type=int, default=2, help="timed passes per method; the fastest counts"
    )
    args = parser.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    # Lead first, ours last: the baseline to beat, the sumy methods, then the result.
    methods = sorted(methods, key=lambda m: (m != "lead", m == "default"))
    keys = list(DATASETS) if args.dataset == "all" else [args.dataset]

    print(f"Data: {DATA}")
    print(
        "ROUGE F1 x100 (rouge-score 0.1.2, use_stemmer=True, ROUGE-Lsum with one sentence "
        "per line); words = mean words per summary; articles/s = CPU time of summarize() "
        "on one core, language detection and sentence splitting included, caches emptied "
        f"first, fastest of {args.repeat} pass(es).\n"
    )
    for key in keys:
        dataset = DATASETS[key]
        rows, how = load(dataset, args.limit, args.full)
        slow_limit = args.slow_limit or None
        results = []
        for method in methods:
            subset = rows[:slow_limit] if method in SLOW and slow_limit else rows
            results.append(run(method, subset, dataset.sentences, args.repeat))
        print(table(dataset, how, results, slow_limit))
        print()


if __name__ == "__main__":
    main()
