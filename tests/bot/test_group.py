"""Near-duplicate grouping: one story, once, on the seed story and real benchmark articles."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.extract import clean_text
from bot.group import MIN_WORDS, Fingerprint, StoryIndex, fingerprint

GROUND_TRUTH = (
    Path("data") / "extraction" / "scrapinghub-article-extraction-benchmark" / "ground-truth.json"
)


def article(shared_dir: Path, prefix: str) -> str:
    """Ground-truth body of an extraction-benchmark page (by item-id prefix)."""
    truth = json.loads((shared_dir / GROUND_TRUTH).read_text(encoding="utf-8"))
    return next(v["articleBody"] for k, v in truth.items() if k.startswith(prefix))


def teaser(text: str, words: int = 60) -> str:
    """What a feed summary looks like: the opening paragraphs, cut at about 60 words."""
    return " ".join(text.split()[:words]) + " ..."


def index_of(*texts: str) -> StoryIndex:
    index = StoryIndex()
    for story_id, text in enumerate(texts, start=1):
        index.add(story_id, fingerprint(text))
    return index


def test_seed_page_cleaned_joins_the_seed_article(seed_texts: tuple[str, str]) -> None:
    clean, page = seed_texts
    index = index_of(clean)
    assert index.find(fingerprint(clean_text(page))) == 1


def test_unrelated_benchmark_articles_do_not_join(shared_dir: Path) -> None:
    football = article(shared_dir, "08f79376")  # cbssports: Browns / Steelers fight
    moon = article(shared_dir, "c50845a7")  # space.com: NASA moon landers
    assert index_of(football).find(fingerprint(moon)) is None


def test_seed_article_does_not_join_an_unrelated_story(
    shared_dir: Path, seed_texts: tuple[str, str]
) -> None:
    index = index_of(article(shared_dir, "08f79376"), article(shared_dir, "c50845a7"))
    assert index.find(fingerprint(seed_texts[0])) is None


def test_page_joins_its_own_teaser(seed_texts: tuple[str, str]) -> None:
    clean, page = seed_texts
    index = index_of(clean_text(page))
    body = clean.split("Published on", 1)[1]  # the teaser starts with the first paragraph
    assert index.find(fingerprint(teaser(body))) == 1


def test_teaser_found_first_joins_the_full_article_later(shared_dir: Path) -> None:
    moon = article(shared_dir, "c50845a7")
    index = index_of(teaser(moon))
    assert index.find(fingerprint(moon)) == 1


def test_wire_rewrite_with_new_headline_and_added_paragraph_joins(shared_dir: Path) -> None:
    original = article(shared_dir, "08f79376")
    other = article(shared_dir, "c50845a7").split("\n\n")[1]
    paragraphs = original.split("\n\n")
    first, rest = paragraphs[0].split(". ", 1)
    rewritten = "\n\n".join(
        [
            "Richardson says Rudolph started the brawl",
            "Cleveland's defence spoke out on Monday about last week's fight. " + rest,
            *paragraphs[1:3],
            other,
            *paragraphs[3:],
        ]
    )
    assert first not in rewritten
    index = index_of(article(shared_dir, "c50845a7"), original)
    assert index.find(fingerprint(rewritten)) == 2


def test_tiny_text_joins_nothing(seed_texts: tuple[str, str]) -> None:
    index = index_of(seed_texts[0])
    headline = "US and Russian officials continue Ukraine peace talks in Miami"
    assert len(headline.split()) < MIN_WORDS
    assert index.find(fingerprint(headline)) is None


def test_tiny_text_added_to_the_index_attracts_nothing(seed_texts: tuple[str, str]) -> None:
    index = StoryIndex()
    index.add(7, fingerprint("Ukraine peace talks: Russian envoy Kirill Dmitriev in Miami"))
    assert index.find(fingerprint(seed_texts[0])) is None


def test_best_matching_story_wins(shared_dir: Path, seed_texts: tuple[str, str]) -> None:
    clean, page = seed_texts
    index = index_of(article(shared_dir, "08f79376"), clean, article(shared_dir, "c50845a7"))
    assert index.find(fingerprint(clean_text(page))) == 2


def test_empty_index_finds_nothing(seed_texts: tuple[str, str]) -> None:
    assert StoryIndex().find(fingerprint(seed_texts[0])) is None


def test_length_counts_stories_not_articles(seed_texts: tuple[str, str]) -> None:
    clean, page = seed_texts
    index = StoryIndex()
    index.add(1, fingerprint(clean))
    index.add(1, fingerprint(clean_text(page)))
    index.add(2, fingerprint("short"))
    assert len(index) == 2


def test_fingerprint_ignores_case_and_punctuation(seed_texts: tuple[str, str]) -> None:
    clean = seed_texts[0]
    shouted = clean.upper().replace(",", "").replace(".", " . ")
    assert fingerprint(shouted) == fingerprint(clean)


def test_fingerprint_roundtrips_through_bytes(seed_texts: tuple[str, str]) -> None:
    fp = fingerprint(seed_texts[0])
    data = fp.to_bytes()
    assert isinstance(data, bytes)
    assert Fingerprint.from_bytes(data) == fp
    assert (Fingerprint.from_bytes(data).hashvalues == fp.hashvalues).all()


def test_fingerprint_from_bytes_refuses_truncated_data(seed_texts: tuple[str, str]) -> None:
    data = fingerprint(seed_texts[0]).to_bytes()
    with pytest.raises(ValueError, match="bytes"):
        Fingerprint.from_bytes(data[:-1])


def test_fingerprint_from_bytes_refuses_another_version(seed_texts: tuple[str, str]) -> None:
    data = fingerprint(seed_texts[0]).to_bytes()
    with pytest.raises(ValueError, match="version"):
        Fingerprint.from_bytes(b"\x09" + data[1:])


def test_restored_fingerprints_rebuild_an_index(seed_texts: tuple[str, str]) -> None:
    clean, page = seed_texts
    stored = fingerprint(clean).to_bytes()
    index = StoryIndex()
    index.add(42, Fingerprint.from_bytes(stored))
    assert index.find(fingerprint(clean_text(page))) == 42


def test_signature_is_datasketchs_affine32_minhash() -> None:
    """Stored fingerprints stay valid: the values datasketch 2.0.0's MinHash(num_perm=128,
    seed=1, scheme="affine32") gave for this text's 14 shingles, recorded."""
    text = "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat today"
    fp = fingerprint(text)
    assert fp.shingles == 14
    assert fp.hashvalues[:4].tolist() == [525945524, 224393369, 166276886, 185634510]
    assert hashlib.sha256(fp.signature).hexdigest() == (
        "7227a333102405b7dd046581dca3807ba795cee0fb74bd0cd1d5ff9f7d29ce5d"
    )


def test_empty_text_signature_holds_the_largest_value() -> None:
    assert set(fingerprint("").hashvalues.tolist()) == {0xFFFFFFFF}


def test_on_a_tie_the_story_indexed_first_wins(seed_texts: tuple[str, str]) -> None:
    clean = seed_texts[0]
    index = StoryIndex()
    index.add(5, fingerprint(clean))
    index.add(3, fingerprint(clean))  # same buckets: both are candidates, equal scores
    assert index.best_match(fingerprint(clean)) == (5, 1.0)


def test_importing_grouping_does_not_import_scipy() -> None:
    probe = "import sys, bot.group; print('scipy' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"
