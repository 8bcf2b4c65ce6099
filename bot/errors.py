"""The errors newsbot raises on purpose: one small tree, caught narrowly (STYLE habit 8).

    NewsbotError
     ├── ConfigError       the settings cannot be used as they are (the message says what to change)
     ├── InputError        what a user typed or gave cannot be used; the message is for them
     │    ├── QueryError   an unusable keyword query
     │    ├── ChatError    a chat request that cannot be done (a bad time, zone, option, limit)
     │    └── UnsafeURL    a link we will not fetch (scheme, private address)
     ├── FetchError        a feed or page could not be fetched (down, refused, too large, timed out)
     └── ContentError      what a source sent cannot be read
          ├── FeedParseError   not a feed we can read
          └── ExtractionError  no article text in a page

Where "no result" is normal (a duplicate entry, a 304, a page without text in a teaser feed) the
stages return a typed outcome instead of raising. Every class also derives from `ValueError`, as
each did before the tree existed, so callers that caught `ValueError` keep working.
"""

from __future__ import annotations

__all__ = [
    "ChatError",
    "ConfigError",
    "ContentError",
    "ExtractionError",
    "FeedParseError",
    "FetchError",
    "InputError",
    "NewsbotError",
    "QueryError",
    "UnsafeURL",
]


class NewsbotError(Exception):
    """Every error newsbot raises on purpose; anything else is a bug."""


class ConfigError(NewsbotError, ValueError):
    """The configuration cannot be used as it is; the message says what to change."""


class InputError(NewsbotError, ValueError):
    """Something a user typed or gave us cannot be used; ``str(error)`` is shown to them."""


class QueryError(InputError):
    """An unusable query; ``str(error)`` is a short message for the user, with an example."""


class ChatError(InputError):
    """A request about a chat that cannot be done; the message is for the user."""


class UnsafeURL(InputError):
    """A URL a user gave us that we will not fetch; the message says why."""


class FetchError(NewsbotError):
    """A feed or page could not be fetched; the message says why (HTTP 404, timed out...)."""


class ContentError(NewsbotError, ValueError):
    """What a feed or page sent cannot be read."""


class FeedParseError(ContentError):
    """The document is not a feed we can read (an HTML error page, truncated XML)."""


class ExtractionError(ContentError):
    """The page holds no article text we can use (or cannot be read as HTML at all)."""
