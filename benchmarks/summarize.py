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
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from _summarize_alerts import HEADER_2, Alerts, row_2, run_alerts  # noqa: E402
from _summarize_scores import Scores, compare, interval, load, rouges  # noqa: E402

from summarizer import METHODS, _languages, _splitting, detect_language, summarize  # noqa: E402

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
