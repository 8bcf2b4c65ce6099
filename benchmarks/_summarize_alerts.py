"""The summarization benchmark's table 2: alerts built around the match (issue #10 item 4).

Queries are drawn from each reference summary (see `benchmarks/summarize.py`'s docstring),
the alert's summary is picked with the predicate the bot builds, and the counts are kept
per language in `Alerts`.
"""

from __future__ import annotations

import random
import re
import time
from dataclasses import dataclass, field
from typing import Any

from _summarize_scores import Scores, compare, interval, rouges

from bot.match import Document, highlight_spans, matches, parse_query
from summarizer import _languages, rank, summarize

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
