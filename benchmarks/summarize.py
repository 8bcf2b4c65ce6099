"""Summaries against human references: the default against Lead-k, and alerts built around a match.

    .venv/bin/python benchmarks/summarize.py [--dataset KEY|all] [--limit N] [--smoke]
                                             [--methods a,b] [--repeat N] [--json FILE]

Data: ../shared/data/summarization (beside the repository; ``--data`` to point elsewhere),
JSONL lines with "text", "summary" (one reference sentence per line) and, for BBC and
fundus_teaser_de, "title" (given to ``summarize`` as the headline, as the bot does).

Table 1, per dataset: Lead-k and the default (``summarize(text, k, title=...)``), ROUGE-1 /
ROUGE-2 / ROUGE-Lsum F1 x100, the paired bootstrap 95% interval of the ROUGE-1 difference
(10,000 resamples of the articles), and articles per second for both. "fitted on it" marks
the set the default was developed on (cnndm_val_967: its one parameter, the fragment
threshold, was chosen there); every other set is held out. Then one row per language present,
pooling that language's held-out articles (language as ``detect_language`` finds it).
``--methods`` adds rows for other methods (sumy's), compared with Lead-k the same way.

Table 2, alerts (issue #10 item 4): for each article, a keyword query drawn from its reference
summary: one content word (even-numbered articles) or two (odd), words of 3+ letters of the
reference that are not stop words and that the article matches (``bot.match``: same stemming
and folding as real alerts), chosen with a seeded RNG. The alert's summary is
``rank(...).pick(k, focus=...)`` with the predicate the bot builds: a sentence shows the
match when ``bot.match.highlight_spans`` finds one of the matched terms in it. Columns: the
share of alerts whose title or summary shows a matched term with the plain default and with
the focused summary (sets without titles count the summary only), how often focus changed the
summary, ROUGE of the focused summary against Lead-k, and the CPU time of one ``pick`` from a
ranking made once (the predicate's ``highlight_spans`` calls included). Query words come from
the reference, so a summary that shows them also tends to score higher ROUGE: the ROUGE column
shows that focusing does not cost quality, not that it improves a summary for other readers.

ROUGE: rouge-score 0.1.2, ROUGE-Lsum over newline-joined sentences. English: its own
tokenizer with Porter stemming (as before). Other languages: lower-cased Unicode words and no
stemming, since rouge-score's tokenizer drops non-ASCII letters and its stemmer is English.

Speed: CPU time of this process (``time.process_time``) for ``summarize`` as a caller makes
it (language detection and sentence splitting included), one core (BLAS limited to one
thread), stem memos and nupunkt's cache emptied before each pass, five articles summarized
untimed first so that loading the models is not counted, fastest of ``--repeat`` passes; the
methods' passes take turns (Lead-k, default, Lead-k, default, ...).
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one core, before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from rouge_score import rouge_scorer, tokenizers  # noqa: E402

from bot.match import Document, highlight_spans, matches, parse_query  # noqa: E402
from summarizer import METHODS, _languages, _splitting, detect_language, rank, summarize  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "summarization"
WARM_UP = 5
SMOKE_ARTICLES = 5
RESAMPLES = 10_000


@dataclass(frozen=True)
class Dataset:
    key: str
    folder: str
    sentences: int
    note: str
    fitted: bool = False


DATASETS = {
    d.key: d
    for d in (
        Dataset("cnndm_val", "cnndm_val_967", 3, "CNN highlights, validation split", True),
        Dataset("cnndm", "cnndm_test_frank", 3, "CNN/DailyMail highlights, test split"),
        Dataset("bbc", "bbc_news_summary", 3, "extractive, machine-made refs; title given"),
        Dataset("xsum", "xsum_test_frank", 1, "one-sentence human intro"),
        Dataset("fundus_de", "fundus_teaser_de", 3, "German newsroom teasers; title given"),
    )
}


# --- data, ROUGE, statistics ---------------------------------------------------------------


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


# --- table 1: the default against Lead-k ----------------------------------------------------


def forget_caches() -> None:
    """Start each pass cold: empty stem memos and nupunkt's decision cache."""
    _languages._language.cache_clear()
    _splitting._punkt().clear_decision_cache()


def timed_pass(method: str, rows: list[dict[str, str]], k: int) -> tuple[float, list[list[str]]]:
    forget_caches()
    for row in rows[:WARM_UP]:
        summarize(row["text"], k, method=method, title=row.get("title"))
    started = time.process_time()
    summaries = [summarize(r["text"], k, method=method, title=r.get("title")) for r in rows]
    return time.process_time() - started, summaries


def run_methods(
    methods: list[str], rows: list[dict[str, str]], k: int, languages: list[str], repeat: int
) -> dict[str, dict[str, Scores]]:
    """Scores per method and language (each method's time shared out by article count).

    The methods' passes take turns, so a change in the machine's load over the run slows
    them alike instead of whichever happened to run then.
    """
    seconds = dict.fromkeys(methods, float("inf"))
    summaries: dict[str, list[list[str]]] = {}
    for _ in range(max(repeat, 1)):
        for method in methods:
            elapsed, summaries[method] = timed_pass(method, rows, k)
            seconds[method] = min(seconds[method], elapsed)
    runs: dict[str, dict[str, Scores]] = {}
    for method in methods:
        by_language = runs[method] = {}
        for row, summary, language in zip(rows, summaries[method], languages, strict=True):
            by_language.setdefault(language, Scores()).add(row["summary"], summary, language)
        for scores in by_language.values():
            scores.seconds = seconds[method] * len(scores.rouge1) / len(rows)
    return runs


def row_1(name: str, language: str, fitted: bool, k: object, r: dict[str, Any]) -> str:
    return (
        f"| {name} | {language} | {'**yes**' if fitted else 'no'} | {r['articles']} | {k} "
        f"| {rouges(r['lead'])} | {rouges(r['method'])} | {interval(r['delta_rouge1'])} "
        f"| {r['lead']['articles_per_second']:.0f} | {r['method']['articles_per_second']:.0f} |"
    )


HEADER_1 = (
    "| set | language | fitted on it | articles | k | Lead-k R1/R2/RLsum | default R1/R2/RLsum "
    "| ΔR1 default − Lead [95% CI] | Lead art/s | default art/s |\n"
    "| --- | --- | --- | ---: | ---: | --- | --- | --- | ---: | ---: |"
)


# --- table 2: alerts built around the match --------------------------------------------------

CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")


def alert_query(row: dict[str, str], language: str, number: int, key: str) -> str | None:
    """One or two content words of the reference that the article matches, or ``None``."""
    stop = _languages.get_language(language).stop_words
    article = Document(title=row.get("title") or "", text=row["text"], language=language)
    words = dict.fromkeys(w for w in CONTENT_WORD.findall(row["summary"]) if w.lower() not in stop)
    found = [w for w in words if matches(parse_query(w), article) is not None]
    if not found:
        return None
    rng = random.Random(f"{key}:{row.get('id', number)}")
    return " ".join(rng.sample(found, min(len(found), 1 + number % 2)))


@dataclass
class Alerts:
    """Table 2's counts for some articles."""

    alerts: int = 0
    no_query: int = 0
    shown_plain: int = 0
    shown_focused: int = 0
    changed: int = 0
    pick_seconds: float = 0.0
    library_seconds: float = 0.0
    lead: Scores = field(default_factory=Scores)
    focused: Scores = field(default_factory=Scores)

    def extend(self, other: Alerts) -> None:
        for name in ("alerts", "no_query", "shown_plain", "shown_focused", "changed"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.pick_seconds += other.pick_seconds
        self.library_seconds += other.library_seconds
        self.lead.extend(other.lead)
        self.focused.extend(other.focused)

    def figures(self, resamples: int) -> dict[str, Any]:
        n = max(self.alerts, 1)
        figures: dict[str, Any] = {
            "alerts": self.alerts,
            "articles_without_a_query": self.no_query,
            "shown_default": self.shown_plain / n,
            "shown_focused": self.shown_focused / n,
            "changed": self.changed / n,
            "microseconds_per_pick": 1e6 * self.pick_seconds / n,
            "microseconds_per_pick_library_alone": 1e6 * self.library_seconds / n,
        }
        if self.alerts:
            figures |= compare(self.focused, self.lead, resamples)
        return figures


def one_alert(row: dict[str, str], k: int, language: str, query: str, result: Alerts) -> None:
    title = row.get("title") or ""
    match = matches(parse_query(query), Document(title=title, text=row["text"], language=language))
    assert match is not None, query  # the query's words were checked to match the article

    def shows(sentence: str) -> bool:
        return bool(highlight_spans(sentence, match.terms, language))

    ranking = rank(row["text"], language, title=row.get("title"))
    plain = ranking.pick(k)
    started = time.process_time()
    focused = ranking.pick(k, focus=shows)
    result.pick_seconds += time.process_time() - started
    showing = frozenset(s for s in ranking.sentences if shows(s))
    started = time.process_time()
    ranking.pick(k, focus=showing.__contains__)
    result.library_seconds += time.process_time() - started
    in_title = bool(title) and shows(title)
    result.alerts += 1
    result.shown_plain += in_title or any(map(shows, plain))
    result.shown_focused += in_title or any(map(shows, focused))
    result.changed += focused != plain
    lead = summarize(row["text"], k, language, method="lead", title=row.get("title"))
    result.lead.add(row["summary"], lead, language)
    result.focused.add(row["summary"], focused, language)


def run_alerts(
    rows: list[dict[str, str]], k: int, languages: list[str], key: str
) -> dict[str, Alerts]:
    results: dict[str, Alerts] = {}
    for number, (row, language) in enumerate(zip(rows, languages, strict=True)):
        result = results.setdefault(language, Alerts())
        query = alert_query(row, language, number, key)
        if query is None:
            result.no_query += 1
        else:
            one_alert(row, k, language, query, result)
    return results


def row_2(name: str, language: str, k: object, a: dict[str, Any]) -> str:
    alerts = f"{a['alerts']}" + (
        f" ({a['articles_without_a_query']} without a query)"
        if a["articles_without_a_query"]
        else ""
    )
    if not a["alerts"]:
        return f"| {name} | {language} | {alerts} | {k} |" + " – |" * 8
    return (
        f"| {name} | {language} | {alerts} | {k} | {100 * a['shown_default']:.1f}% "
        f"| {100 * a['shown_focused']:.1f}% | {100 * a['changed']:.1f}% | {rouges(a['lead'])} "
        f"| {rouges(a['method'])} | {interval(a['delta_rouge1'])} "
        f"| {a['microseconds_per_pick']:.0f} | {a['microseconds_per_pick_library_alone']:.1f} |"
    )


HEADER_2 = (
    "| set | language | alerts | k | title or summary shows a term: default | … focused "
    "| focus changed the summary | Lead-k R1/R2/RLsum | focused R1/R2/RLsum "
    "| ΔR1 focused − Lead [95% CI] | µs per pick | … library alone |\n"
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- | --- | ---: | ---: |"
)


# --- main -----------------------------------------------------------------------------------


def stop_word_note() -> str:
    from sumy.utils import get_stop_words

    listed = []
    for name in sorted(set(_languages._SUMY_NAMES.values())):
        try:
            get_stop_words(name)
        except LookupError:
            continue
        listed.append(name)
    return (
        f"Languages: sumy has stop-word lists for {len(listed)} languages ({', '.join(listed)}). "
        "The default reads no words (no stop words, no stemmer), so it treats every language "
        "alike. sumy's methods, in a language without a list, weigh every lower-cased word, and "
        "without a stemmer they compare words unstemmed."
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=[*DATASETS, "all"], default="all")
    parser.add_argument("--data", type=Path, default=DATA, help="the summarization folder")
    parser.add_argument("--limit", type=int, default=None, help="first N articles of each set")
    parser.add_argument("--smoke", action="store_true", help=f"{SMOKE_ARTICLES} articles a set")
    parser.add_argument("--methods", default="", help="other methods to compare: a,b,...")
    parser.add_argument("--repeat", type=int, default=2, help="timed passes; the fastest counts")
    parser.add_argument("--json", type=Path, default=None, help="write every figure here")
    args = parser.parse_args(argv)
    args.others = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = [m for m in args.others if m not in METHODS]
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    args.resamples = RESAMPLES
    if args.smoke:
        args.limit, args.repeat, args.resamples = SMOKE_ARTICLES, 1, 1_000
    return args


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of both tables, per set and language, then per language."""
    keys = list(DATASETS) if args.dataset == "all" else [args.dataset]
    report: dict[str, Any] = {"data": str(args.data), "sets": {}, "languages": {}}
    held_out: dict[str, tuple[Scores, Scores]] = {}
    all_alerts: dict[str, Alerts] = {}
    for key in keys:
        d = DATASETS[key]
        rows = load(args.data / d.folder / f"{d.folder}.jsonl", args.limit)
        languages = [detect_language(r["text"]) for r in rows]
        methods = ["lead", "default", *args.others]
        runs = run_methods(methods, rows, d.sentences, languages, args.repeat)
        alerts = run_alerts(rows, d.sentences, languages, key)
        entry: dict[str, Any] = {"fitted": d.fitted, "sentences": d.sentences, "languages": {}}
        for language, lead in sorted(runs["lead"].items()):
            entry["languages"][language] = {
                "methods": {m: compare(r[language], lead, args.resamples) for m, r in runs.items()},
                "alerts": alerts[language].figures(args.resamples),
            }
            if not d.fitted:
                pooled = held_out.setdefault(language, (Scores(), Scores()))
                pooled[0].extend(lead)
                pooled[1].extend(runs["default"][language])
            all_alerts.setdefault(language, Alerts()).extend(alerts[language])
        report["sets"][d.folder] = entry
    for language in sorted(set(held_out) | set(all_alerts)):
        report["languages"][language] = {
            "held_out_default": (
                compare(held_out[language][1], held_out[language][0], args.resamples)
                if language in held_out
                else None
            ),
            "alerts": all_alerts[language].figures(args.resamples),
        }
    return report


def print_tables(report: dict[str, Any], args: argparse.Namespace) -> None:
    table_1, table_2, others = [HEADER_1], [HEADER_2], []
    for folder, entry in report["sets"].items():
        k = entry["sentences"]
        for language, figures in entry["languages"].items():
            table_1.append(
                row_1(folder, language, entry["fitted"], k, figures["methods"]["default"])
            )
            table_2.append(row_2(folder, language, k, figures["alerts"]))
            for method in args.others:
                r = figures["methods"][method]
                others.append(
                    f"| {folder} | {language} | {method} | {rouges(r['method'])} "
                    f"| {interval(r['delta_rouge1'])} | {r['method']['articles_per_second']:.0f} |"
                )
    for language, figures in report["languages"].items():
        if figures["held_out_default"] is not None:
            name = f"all held-out sets, {language}"
            table_1.append(row_1(name, language, False, "–", figures["held_out_default"]))
        table_2.append(row_2(f"all sets, {language}", language, "–", figures["alerts"]))

    print(f"Data: {args.data}{' (smoke: a few articles per set)' if args.smoke else ''}\n")
    print(
        "Table 1. The default against Lead-k. ROUGE F1 x100 (rouge-score 0.1.2; English with "
        "Porter stemming, other languages on lower-cased Unicode words without stemming); "
        f"paired bootstrap of the R1 difference ({args.resamples:,} resamples); articles/s = "
        "CPU time of summarize() on one core, caches emptied, fastest of "
        f"{args.repeat} pass(es). 'fitted on it': the set the default's one parameter was "
        "chosen on; the language rows pool the held-out sets.\n"
    )
    print("\n".join(table_1) + "\n")
    if others:
        print("Other methods against Lead-k (same articles; ΔR1 is method − Lead-k):\n")
        print("| set | language | method | R1/R2/RLsum | ΔR1 [95% CI] | art/s |")
        print("| --- | --- | --- | --- | --- | ---: |")
        print("\n".join(others) + "\n")
    print(
        "Table 2. Alerts built around the match: a query of 1-2 content words drawn from each "
        "reference summary; the default summary without and with focus=<the query's match>. "
        "µs per pick: CPU time of Ranking.pick(k, focus=...) from a ranking made once, with "
        "the bot's predicate (highlight_spans on each sentence it asks about) and with a "
        "predicate that costs nothing (a set lookup): the library's own share.\n"
    )
    print("\n".join(table_2) + "\n")
    print(stop_word_note())


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    report = measure(args)
    print_tables(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
        print(f"\nWrote {args.json}")


if __name__ == "__main__":
    main()
