"""Feed documents (RSS 0.9x/1.0/2.0, Atom, JSON Feed 1.0/1.1) to plain values.

`parse_feed` is the one way in; it says clearly what a document is when it is not a feed (a web
page, with the feeds it links to, an image, JSON that is not a JSON Feed, nothing at all).
`feed_links` reads the feeds a web page advertises, for autodiscovery.
"""

from bot.errors import FeedParseError
from bot.parse.feed import parse_feed
from bot.parse.model import (
    FeedEntry,
    FeedLink,
    ParsedFeed,
    WebPageNotFeed,
    canonical_url,
)
from bot.parse.page import feed_links

__all__ = [
    "FeedEntry",
    "FeedLink",
    "FeedParseError",
    "ParsedFeed",
    "WebPageNotFeed",
    "canonical_url",
    "feed_links",
    "parse_feed",
]
