"""Each package's public names, pinned: a change here is an interface change for every caller,
so it is made on purpose, in one place, and shows in review (as httpx pins its `__all__`)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import bot

PUBLIC = {
    "summarizer": [
        "Language",
        "METHODS",
        "Ranking",
        "STEMMED_LANGUAGES",
        "SummarizerError",
        "detect_language",
        "get_language",
        "rank",
        "resolve_language",
        "split_sentences",
        "summarize",
    ],
    "bot.extract": [
        "ExtractedArticle",
        "ExtractionError",
        "clean_text",
        "extract_html",
        "extract_text",
        "html_to_text",
    ],
    "bot.match": [
        "Document",
        "Match",
        "MatchIndex",
        "Query",
        "QueryError",
        "QueryHit",
        "QueryIndex",
        "QueryMatch",
        "highlight_spans",
        "matches",
        "parse_query",
    ],
    "bot.parse": [
        "FeedEntry",
        "FeedLink",
        "FeedParseError",
        "ParsedFeed",
        "WebPageNotFeed",
        "canonical_url",
        "feed_links",
        "parse_feed",
    ],
    "bot.fetch": [
        "AddressPolicy",
        "FetchResult",
        "Fetcher",
        "HostGate",
        "Resolver",
        "ServerHints",
        "SystemTimer",
        "Timer",
        "UnsafeURL",
        "check_public_url",
        "gunzip_capped",
        "is_local",
        "system_resolver",
    ],
    "bot.deliver": [
        "Button",
        "Channel",
        "ChatGone",
        "ConsoleChannel",
        "DeliveryReport",
        "Migrated",
        "OutboxWorker",
        "OutgoingMessage",
        "Rejected",
        "Retry",
        "SendOutcome",
        "Sent",
    ],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_a_package_exports_exactly_its_pinned_names(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == PUBLIC[package]


def _bot_modules() -> list[str]:
    found = pkgutil.walk_packages(bot.__path__, "bot.")
    return sorted(info.name for info in found if ".migrations" not in info.name)


@pytest.mark.parametrize("name", _bot_modules())
def test_every_name_a_module_exports_exists(name: str) -> None:
    module = importlib.import_module(name)
    missing = [n for n in getattr(module, "__all__", ()) if not hasattr(module, n)]
    assert missing == []
