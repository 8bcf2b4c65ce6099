"""An unseen feed entry made ready for storing: its best text, cleaned, and its outlet.

The feed's own content when it carries the article; the article page when the entry is only a
teaser (`poll.fetch_pages`, `poll.teaser_words`). A private feed is a chat's: its pages are
user-given links and are fetched with the same address rules as `/summary` (`fetch_public`);
an operator's feed may link anywhere. A search feed's entry is credited to its own outlet
(RSS `<source>`, else its author) instead of the search engine.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import summarizer
from bot.errors import ExtractionError
from bot.extract import clean_text, html_to_text
from bot.fetch import Fetcher, FetchResult
from bot.language import decide
from bot.pages import read_page
from bot.parse import FeedEntry, canonical_url
from bot.settings import Settings, SummarySettings

__all__ = ["Candidate", "EntryReader", "Origin", "summarize_candidate"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Origin:
    """What kind of feed an entry came from: an operator's (public) or a chat's (private),
    and whether it is a search feed (whose entries name their own outlets)."""

    public: bool = True
    search: bool = False


@dataclass(frozen=True)
class Candidate:
    """An unseen entry made ready for storing: its best text, cleaned."""

    entry: FeedEntry
    title: str
    text: str
    url: str
    language: str
    published: datetime | None
    outlet: str | None = None  # who reported it, when not the feed itself (a search feed)


class EntryReader:
    """Turns entries into candidates, fetching teasers' pages through the right door."""

    def __init__(self, fetcher: Fetcher, settings: Settings, *, concurrency: int = 4) -> None:
        self.fetcher = fetcher
        self.settings = settings
        self.concurrency = concurrency

    async def fetch_feed(
        self, url: str, origin: Origin, etag: str | None, modified: str | None
    ) -> FetchResult:
        """The feed itself: a chat's feed is a user-given URL, held to the public-address rule
        on every request and redirect."""
        if origin.public:
            return await self.fetcher.fetch(url, etag=etag, last_modified=modified)
        return await self.fetcher.fetch_public(
            url,
            allow_private=self.settings.telegram.allow_private_urls,
            etag=etag,
            last_modified=modified,
        )

    async def prepare_all(
        self, entries: list[FeedEntry], language: str | None, origin: Origin
    ) -> list[Candidate]:
        gate = asyncio.Semaphore(self.concurrency)

        async def one(entry: FeedEntry) -> Candidate:
            async with gate:
                return await self.prepare(entry, language, origin)

        # Oldest first, so stories are created in the order the outlets published them.
        ordered = sorted(entries, key=lambda e: (e.published is None, e.published or 0))
        return list(await asyncio.gather(*(one(e) for e in ordered)))

    async def prepare(
        self, entry: FeedEntry, feed_lang: str | None, origin: Origin = Origin()
    ) -> Candidate:
        html = entry.content_html or entry.summary_html
        text = clean_text(html_to_text(html)) if html else ""
        title, url, page_language = entry.title, entry.url, None
        poll = self.settings.poll
        teaser = len(text.split()) < poll.teaser_words
        if teaser and poll.fetch_pages and url.startswith(("http://", "https://")):
            page = await self._page(url, origin)
            if page.ok:
                try:
                    article = await asyncio.to_thread(
                        read_page, page.body or b"", url=page.url, content_type=page.content_type
                    )
                except ExtractionError as exc:
                    log.info("page %s: no article text (%s); keeping the feed's teaser", url, exc)
                else:
                    if len(article.text.split()) > len(text.split()):
                        text = article.text
                        page_language = article.language
                    title = title or (article.title or "")
                    url = canonical_url(article.url) if article.url else url
            else:
                log.info("page %s: %s; keeping the feed's teaser", url, page.error)
        outlet = (entry.source or entry.author) if origin.search else None
        language = page_language or decide(text or title, declared=feed_lang)
        return Candidate(
            entry, title or url or "(untitled)", text, url, language, entry.published, outlet
        )

    async def _page(self, url: str, origin: Origin) -> FetchResult:
        if origin.public:
            return await self.fetcher.fetch(url)
        allow = self.settings.telegram.allow_private_urls
        return await self.fetcher.fetch_public(url, allow_private=allow)


def summarize_candidate(c: Candidate, language: str | None, opts: SummarySettings) -> list[str]:
    """The candidate's summary by the configured method; the lead sentences when the method
    cannot summarize in that language."""
    if not c.text:
        return []
    try:
        return summarizer.summarize(
            c.text,
            sentences=opts.sentences,
            language=language,
            method=opts.method,
            max_words=opts.max_words,
            title=c.title,
        )
    except summarizer.SummarizerError as exc:
        log.warning("cannot summarize %s (%s): %s", c.url, language, exc)
        return summarizer.summarize(c.text, sentences=opts.sentences, method="lead")
