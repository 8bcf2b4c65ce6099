"""The load benchmark's data: the burst's stories, the chats' queries, the database they live in.

Nothing here is measured: it builds what `benchmarks/load.py` measures the bot against.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import itertools
import json
import random
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot import language
from bot.clock import next_digest_at
from bot.settings import FeedConfig
from bot.store import Chat, Database, Subscription

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "summarization"
PAGES = REPO.parent / "shared" / "data" / "extraction" / "scrapinghub-article-extraction-benchmark"
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
WORD = re.compile(r"[^\W\d_]{4,}")  # a word a query may use
LETTERS = re.compile(r"[^\W\d_]+")  # any word of a text
ENTRIES_PER_FEED = 50
GROUP_SHARE = 0.05  # chats that are groups (negative ids, 20 messages a minute)


def rows(name: str) -> list[dict[str, str]]:
    path = DATA / name / f"{name}.jsonl"
    return [json.loads(line) for line in path.open(encoding="utf-8")]


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    text: str


def burst_articles(n: int) -> tuple[list[Article], list[str]]:
    """The burst's `n` articles (CNN/DM first, then BBC) and the held-out texts."""
    cnn = [
        Article(r["id"], r["text"].split(". ")[0][:150], r["text"])
        for r in rows("cnndm_test_frank")
    ]
    bbc = [Article(r["id"], r["title"], r["text"]) for r in rows("bbc_news_summary")]
    pool = cnn + bbc
    if n > len(pool):
        raise SystemExit(f"--stories at most {len(pool)} (the articles in {DATA})")
    held = [a.text for a in pool[n:]] + [r["text"] for r in rows("xsum_test_frank")]
    return pool[:n], held


class Vocabulary:
    """Words and two-word phrases of the burst, and of held-out articles the burst lacks."""

    def __init__(self, burst: list[str], held: list[str], max_df: float = 0.01) -> None:
        stop = language.stop_words("en")  # sumy's English stop words
        stem = language.stemmer("en") or str.lower  # nltk's English Snowball (never None)
        stems: dict[str, str] = {}

        def words(text: str) -> list[str]:
            return [w.lower() for w in WORD.findall(text)]

        def stem_of(word: str) -> str:
            if word not in stems:
                stems[word] = stem(word)
            return stems[word]

        df: Counter[str] = Counter()  # stems of every word, stop words too ("haves" -> have)
        for text in burst:
            df.update({stem_of(w.lower()) for w in LETTERS.findall(text)})
        limit = max(2, int(max_df * len(burst)))
        self.words = sorted(
            {w for t in burst for w in words(t) if w not in stop and df[stem_of(w)] <= limit}
        )
        self.phrases = sorted(self._pairs(burst, stop, lambda p: True))
        absent = {w for t in held for w in words(t) if w not in stop and stem_of(w) not in df}
        self.held_words = sorted(absent)
        self.held_phrases = sorted(
            self._pairs(held, stop, lambda p: p[0] in absent or p[1] in absent)
        )

    @staticmethod
    def _pairs(
        texts: list[str], stop: set[str], keep: Callable[[tuple[str, str]], bool]
    ) -> set[str]:
        found: set[str] = set()
        for text in texts:
            tokens = [t.strip(".,;:!?\"'()").lower() for t in text.split()]
            for a, b in itertools.pairwise(tokens):
                words = WORD.fullmatch(a) and WORD.fullmatch(b)
                if words and a not in stop and b not in stop and keep((a, b)):
                    found.add(f"{a} {b}")
        return found

    def query(self, rng: random.Random, hit: float) -> str:
        in_burst = rng.random() < hit
        words = self.words if in_burst else self.held_words
        phrases = self.phrases if in_burst else self.held_phrases
        kind = rng.random()
        if kind < 0.25:
            return rng.choice(words)
        if kind < 0.50:
            return f"{rng.choice(words)} {rng.choice(words)}"
        if kind < 0.70:
            return f'"{rng.choice(phrases)}"'
        if kind < 0.90:
            return f"{rng.choice(words)} OR {rng.choice(words)}"
        return f"{rng.choice(words)} -{rng.choice(words)}"


def write_feeds(
    folder: Path, articles: list[Article], now: datetime, links: str
) -> list[FeedConfig]:
    """The burst's feed files; each entry links to `links`/story/ID, an address of the local
    page server that answers 404 (a bot that fetches a teaser's page keeps its teaser)."""
    from tests.fakes.feeds import make_feed  # the setup's child only: never the bot's process

    feeds = []
    for start in range(0, len(articles), ENTRIES_PER_FEED):
        entries = []
        for n, article in enumerate(articles[start : start + ENTRIES_PER_FEED]):
            paragraphs = [p for p in article.text.split("\n\n") if p.strip()]
            entries.append(
                {
                    "guid": article.id,
                    "title": article.title,
                    "link": f"{links}/story/{article.id}",
                    "content": "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs),
                    "published": now - timedelta(minutes=ENTRIES_PER_FEED - n),
                }
            )
        path = folder / f"feed{start // ENTRIES_PER_FEED:03d}.xml"
        path.write_bytes(make_feed(entries, title=f"Outlet {start // ENTRIES_PER_FEED}"))
        feeds.append(FeedConfig(url=str(path), name=f"Outlet {start // ENTRIES_PER_FEED}"))
    return feeds


def english_pages(n: int, any_language: bool) -> list[bytes]:
    """The first `n` saved real article pages of scrapinghub's extraction benchmark that the
    bot reads as English (all languages: `any_language`). English by default, like the burst:
    a story in another language makes the subscription index compile its queries once more
    for that language's stemmer, which the burst's figures do not include."""
    from bot.errors import ExtractionError
    from bot.pages import read_page

    found = []
    for source in sorted((PAGES / "html").glob("*.html.gz")):
        body = gzip.decompress(source.read_bytes())
        try:
            english = read_page(body, url="https://outlet.example/a").language == "en"
        except ExtractionError:
            english = False
        if english or any_language:
            found.append(body)
        if len(found) == n:
            break
    return found


def write_teasers(
    folder: Path, pages: list[bytes], links: str, now: datetime
) -> tuple[FeedConfig, Path]:
    """A feed of teaser entries (a title and one line) linking to `pages` (saved under
    `folder`/pages), as a default bot reads them: it fetches the page of an entry shorter than
    `poll.teaser_words`. The feed file is empty until the teaser phase moves the returned file
    in its place."""
    from tests.fakes.feeds import make_feed

    n = len(pages)
    (folder / "pages").mkdir()
    entries = []
    for i, body in enumerate(pages):
        (folder / "pages" / f"{i:03d}.html").write_bytes(body)
        entries.append(
            {
                "guid": f"teaser-{i}",
                "title": f"Teaser {i}",
                "link": f"{links}/pages/{i:03d}.html",
                "description": "The rest of the article is on the outlet's page.",
                "published": now - timedelta(minutes=n - i),
            }
        )
    feed = FeedConfig(url=str(folder / "teasers.xml"), name="Teasers")
    Path(feed.url).write_bytes(make_feed([], title="Teasers"))
    full = folder / "teasers-full.xml"
    full.write_bytes(make_feed(entries, title="Teasers"))
    return feed, full


@contextlib.contextmanager
def page_server(folder: Path) -> Iterator[str]:
    """Python's own `http.server` serving `folder` on 127.0.0.1 in a child process (the pages
    are not the bot's data); yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the page server did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


def chat_ids(n: int, start: int = 0, stop: int | None = None) -> list[int]:
    """The ids of chats `start` to `stop` of `n` (a slice's bounds): private chats have positive
    ids, every 20th chat is a supergroup (negative id). A slice at a time, so that the bot's
    process never holds the whole list (the benchmark's data, not the bot's)."""
    every = round(1 / GROUP_SHARE)
    first, last, _ = slice(start, stop).indices(n)
    return [-(1_000_000_000_000 + i) if i % every == 0 else i for i in range(first + 1, last + 1)]


def group_count(n: int) -> int:
    """How many of `n` chats are groups (see `chat_ids`)."""
    return n // round(1 / GROUP_SHARE)


@contextlib.contextmanager
def database_url(postgres: bool, folder: Path) -> Iterator[str]:
    if not postgres:
        yield f"sqlite:///{folder / 'load.sqlite3'}"
        return
    schema = f"load_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def insert_chats(db: Database, ids: list[int], queries: Callable[[], str], now: datetime) -> int:
    """Chats and 3 queries each, in bulk (setup, not the code under test). Returns queries."""
    created = now - timedelta(days=2)
    tomorrow = next_digest_at(now, "UTC", "08:00")
    count = 0
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        chats = [
            {
                "id": chat_id,
                "type": "private" if chat_id > 0 else "supergroup",
                "timezone": "UTC",
                "digest_time": "08:00",
                "digest_enabled": True,
                "alerts_mode": "instant",
                "alerts_paused": False,
                "summary_sentences": 3,
                "active": True,
                "created_at": created,
                "next_digest_at": tomorrow,
            }
            for chat_id in chunk
        ]
        subs = []
        for chat_id in chunk:
            for text in dict.fromkeys(queries() for _ in range(3)):  # a chat's queries differ
                subs.append({"chat_id": chat_id, "query": text, "created_at": created})
        with db.session() as session:
            session.execute(sa.insert(Chat), chats)
            session.execute(sa.insert(Subscription), subs)
        count += len(subs)
    return count


def make_due(db: Database, ids: list[int] | None, now: datetime) -> None:
    """The chats' digest is due now, covering the last two days (so it is never empty)."""
    with db.session() as session:
        stmt = sa.update(Chat).values(
            next_digest_at=now - timedelta(minutes=1), last_digest_at=None
        )
        if ids is not None:
            stmt = stmt.where(Chat.id.in_(ids))
        session.execute(stmt)
