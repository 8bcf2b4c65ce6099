"""Benchmark near-duplicate grouping (bot.group): precision, recall, and speed at 100k stories.

    .venv/bin/python benchmarks/group.py [--stories N] [--queries N] [--seed N]

Labelled data, all built from ../shared/data (nothing downloaded):

- originals: the 181 ground-truth article bodies of the Scrapinghub extraction benchmark and
  the 250 CNN/DailyMail articles of cnndm_test_frank (431 distinct articles), each its own
  story in an index that also holds the 1,000 bbc_news_summary articles as distractors;
- positives (each must join its original's story), built per original:
  teaser    its first paragraph(s): whole paragraphs until >= 40 words, cut to 60 words
            plus "..." if longer (what a feed summary looks like); originals under 80 words
            are skipped (the teaser would be the article);
  rewrite   a "wire rewrite": an XSum article's first sentence replaces the first sentence,
            a BBC headline goes on top, and two sentences of another XSum article are
            inserted as a new paragraph in the middle;
  page      the original inside synthetic page furniture (menu lines, a "Keep Reading" block
            of BBC headlines, newsletter prompt, copyright), then bot.extract.clean_text;
  seed      the seed pair: clean_text(003 page) against the 000 article (and, reported but not
            counted, the raw 003 page without cleaning);
- negatives: all 92,665 pairs among the 431 originals; none may be judged one story
  (scored with StoryIndex.score directly, so LSH cannot hide a false match).

Speed: an index of N stories (default 100,000) of synthetic articles, each 8-30 sentences
drawn at random (seeded) from the sentences of cnndm, bbc, xsum and the extraction ground
truth (~30k distinct sentences of 5-60 words and at most 400 characters), so stories
overlap the way unrelated news does (a shared quote here and there). Then `find` + `add`
for 1,000 query articles (half perturbed copies of indexed stories, half new ones). CPU
time of this process; fingerprinting is timed apart.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")  # one core, before numpy is imported

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bot.extract import clean_text  # noqa: E402
from bot.group import Fingerprint, StoryIndex, fingerprint  # noqa: E402

SHARED = REPO.parent / "shared"
EXTRACTION = SHARED / "data" / "extraction" / "scrapinghub-article-extraction-benchmark"
SUMMARIZATION = SHARED / "data" / "summarization"
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[\"'“A-Z0-9])")


def _jsonl(name: str) -> list[dict[str, str]]:
    path = SUMMARIZATION / name / f"{name}.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_SPLIT.split(" ".join(text.split())) if s]


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n|\n", text) if p.strip()]


def teaser(text: str) -> str:
    """Whole paragraphs until >= 40 words; longer than 80 words -> first 60 words + '...'."""
    words: list[str] = []
    for paragraph in _paragraphs(text):
        words.extend(paragraph.split())
        if len(words) >= 40:
            break
    if len(words) > 80:
        return " ".join(words[:60]) + " ..."
    return " ".join(words)


def rewrite(text: str, other_lead: str, headline: str, insert: str) -> str:
    """New headline on top, first sentence replaced, one paragraph inserted in the middle."""
    paragraphs = _paragraphs(text)
    if len(paragraphs) == 1:  # CNN/DM bodies are one paragraph: split at sentences
        sentences = _sentences(paragraphs[0])
        half = max(1, len(sentences) // 2)
        paragraphs = [" ".join(sentences[:half]), " ".join(sentences[half:])]
    first = _sentences(paragraphs[0])
    paragraphs[0] = " ".join([other_lead, *first[1:]])
    middle = max(1, len(paragraphs) // 2)
    return "\n\n".join([headline, *paragraphs[:middle], insert, *paragraphs[middle:]])


def furnished_page(text: str, headlines: list[str]) -> str:
    """The article as a flattened page: menu, teaser block, newsletter box, footer."""
    menu = ["Home", "World", "Politics", "Business", "Sport", "Culture", "Search"]
    return "\n".join(
        [
            "Skip to content",
            *menu,
            "Share",
            "Facebook Twitter Email",
            text,
            "Keep Reading",
            *headlines,
            "Sign up for our newsletter",
            "Get the top stories in your inbox every morning.",
            "© 2026 Example News. All rights reserved.",
            *menu,
        ]
    )


def build_pairs(rng: random.Random) -> tuple[list[str], list[tuple[str, str, int]]]:
    """Originals and (category, query text, index of its original) positives."""
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text(encoding="utf-8"))
    originals = [item["articleBody"] for item in truth.values()]
    originals += [row["text"] for row in _jsonl("cnndm_test_frank")]
    bbc = _jsonl("bbc_news_summary")
    xsum = [row["text"] for row in _jsonl("xsum_test_frank")]
    titles = [row["title"] for row in bbc]
    positives: list[tuple[str, str, int]] = []
    for i, text in enumerate(originals):
        if len(text.split()) >= 80:
            positives.append(("teaser", teaser(text), i))
        donor, inserted = rng.sample(xsum, 2)
        positives.append(
            (
                "rewrite",
                rewrite(
                    text,
                    _sentences(donor)[0],
                    rng.choice(titles),
                    " ".join(_sentences(inserted)[:2]),
                ),
                i,
            )
        )
        positives.append(("page", clean_text(furnished_page(text, rng.sample(titles, 6))), i))
    seeds = SHARED / "seeds"
    article = next(seeds.glob("000_*.txt")).read_text(encoding="utf-8")
    page = next(seeds.glob("003_*.txt")).read_text(encoding="utf-8")
    originals.append(article)
    positives.append(("seed", clean_text(page), len(originals) - 1))
    positives.append(("seed, raw page (not counted)", page, len(originals) - 1))
    return originals, positives


def quality(rng: random.Random) -> tuple[list[str], dict[str, object]]:
    originals, positives = build_pairs(rng)
    distractors = [row["text"] for row in _jsonl("bbc_news_summary")]
    index = StoryIndex()
    prints = [fingerprint(text) for text in originals]
    for story_id, fp in enumerate(prints):
        index.add(story_id, fp)
    for j, text in enumerate(distractors):
        index.add(100_000 + j, fingerprint(text))
    outcome: dict[str, Counter[str]] = {}
    wrong: list[tuple[str, int, int]] = []
    for category, text, original in positives:
        found = index.find(fingerprint(text))
        verdict = "joined" if found == original else ("none" if found is None else "wrong")
        outcome.setdefault(category, Counter())[verdict] += 1
        if found is not None and found != original:
            wrong.append((category, original, found))
    n = len(originals) - 1  # the seed article is not part of the negatives
    false_pairs = []
    pairs = 0
    for a in range(n):
        for b in range(a + 1, n):
            pairs += 1
            score = index.score(prints[a], prints[b])
            if score is not None:
                false_pairs.append((a, b, score))
    return originals, {
        "outcome": outcome,
        "pairs": pairs,
        "false_pairs": false_pairs,
        "wrong": wrong,
    }


def _label(index: int) -> str:
    """Where an original comes from: extraction item id prefix or cnndm row id."""
    truth = json.loads((EXTRACTION / "ground-truth.json").read_text(encoding="utf-8"))
    if index < len(truth):
        return f"extraction {list(truth)[index][:12]}"
    return _jsonl("cnndm_test_frank")[index - len(truth)]["id"]


def synthetic_stories(count: int, pool: list[str], rng: random.Random) -> list[str]:
    return [" ".join(rng.sample(pool, rng.randint(8, 30))) for _ in range(count)]


def speed(stories: int, queries: int, rng: random.Random, pool: list[str]) -> dict[str, float]:
    texts = synthetic_stories(stories, pool, rng)
    start = time.process_time()
    prints = [fingerprint(text) for text in texts]
    fingerprint_ms = (time.process_time() - start) / stories * 1000
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    index = StoryIndex()
    start = time.process_time()
    for story_id, fp in enumerate(prints):
        index.add(story_id, fp)
    build_us = (time.process_time() - start) / stories * 1e6
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    query_prints: list[tuple[Fingerprint, int | None]] = []
    for q in range(queries):
        if q % 2 == 0:
            target = rng.randrange(stories)
            sentences = _sentences(texts[target])
            sentences[0] = rng.choice(pool)  # new first sentence
            query_prints.append((fingerprint(" ".join(sentences)), target))
        else:
            query_prints.append((fingerprint(" ".join(rng.sample(pool, 15))), None))
    times = []
    correct = 0
    next_id = stories
    for fp, expected in query_prints:
        start = time.process_time()
        found = index.find(fp)
        story_id = found if found is not None else next_id
        index.add(story_id, fp)
        times.append(time.process_time() - start)
        correct += found == expected
        next_id += 1
    times.sort()
    return {
        "stories": stories,
        "fingerprint_ms": fingerprint_ms,
        "build_us": build_us,
        "mean_us": statistics.fmean(times) * 1e6,
        "p99_us": times[int(len(times) * 0.99) - 1] * 1e6,
        "correct": correct / queries,
        "rss_mb": (rss_after - rss_before) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stories", type=int, default=100_000, help="index size for timing")
    parser.add_argument("--queries", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--smoke", action="store_true", help="a small index for the timing (CI: does it run?)"
    )
    args = parser.parse_args()
    if args.smoke:
        args.stories, args.queries = 1_000, 50
    rng = random.Random(args.seed)
    originals, result = quality(rng)
    outcome: dict[str, Counter[str]] = result["outcome"]  # type: ignore[assignment]
    false_pairs: list[tuple[int, int, float]] = result["false_pairs"]  # type: ignore[assignment]

    print("## Near-duplicate grouping: quality (bot.group.StoryIndex, default thresholds)\n")
    print("| positives | pairs | joined own story | joined another | joined none | recall |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    joined = wrong = total = 0
    for category, counts in outcome.items():
        n = sum(counts.values())
        print(
            f"| {category} | {n} | {counts['joined']} | {counts['wrong']} | {counts['none']} "
            f"| {counts['joined'] / n:.3f} |"
        )
        if "not counted" not in category:
            joined += counts["joined"]
            wrong += counts["wrong"]
            total += n
    wrong_joins: list[tuple[str, int, int]] = result["wrong"]  # type: ignore[assignment]
    if wrong_joins:
        print()
    for category, original, found in wrong_joins:
        target = _label(found) if found < 100_000 else f"bbc distractor {found - 100_000}"
        print(f"- {category} of {_label(original)} joined {target}")
    pairs = result["pairs"]
    false_count = len(false_pairs)
    precision = joined / (joined + wrong + false_count) if joined else 0.0
    print(
        f"\nnegatives: {pairs:,} pairs among {len(originals) - 1} distinct articles "
        f"(181 extraction ground truths + 250 cnndm), judged one story: {false_count}"
    )
    for a, b, score in false_pairs[:10]:
        print(
            f"- judged one story (score {score:.2f}): {_label(a)} {originals[a][:60]!r} / "
            f"{_label(b)} {originals[b][:60]!r}"
        )
    print(
        "(read the listed pairs: the data itself may hold one story twice, e.g. two Daily Mail "
        "versions in cnndm; precision below still counts every listed pair, and every "
        "'joined another', as a wrong join)"
    )
    print(
        f"\n| metric | value |\n| --- | ---: |\n| precision (joins that are right) | "
        f"{precision:.4f} |\n| recall (positives joined to their story) | "
        f"{joined / total:.4f} |\n"
    )

    pool = sorted(
        {
            s
            for text in originals
            + [row["text"] for row in _jsonl("bbc_news_summary")]
            + [row["text"] for row in _jsonl("xsum_test_frank")]
            for s in _sentences(text)
            # no run-on "sentences" (tables, unsplit lists, unspaced Japanese paragraphs)
            if 5 <= len(s.split()) <= 60 and len(s) <= 400
        }
    )
    timing = speed(args.stories, args.queries, rng, pool)
    print(f"## Speed with {timing['stories']:,.0f} stories in the index (one core, CPU time)\n")
    print(
        f"synthetic stories: 8-30 random sentences from a pool of {len(pool):,} distinct "
        "sentences of 5-60 words, <= 400 characters (cnndm, bbc, xsum, extraction ground "
        "truth); queries: half "
        "an indexed story with a new first sentence, half a new 15-sentence text\n"
    )
    print("| step | time |\n| --- | ---: |")
    print(f"| fingerprint (per article) | {timing['fingerprint_ms']:.2f} ms |")
    print(f"| add while building the index (per story) | {timing['build_us']:.0f} µs |")
    print(f"| find + add per article, mean | {timing['mean_us']:.0f} µs |")
    print(f"| find + add per article, p99 | {timing['p99_us']:.0f} µs |")
    print(f"| queries answered right (copy found / new text new) | {timing['correct']:.3f} |")
    print(f"| index memory growth (max RSS) | {timing['rss_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
