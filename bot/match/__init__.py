"""Keyword alerts: the query language users write, and matching stories against their queries.

``parse_query`` turns a user's text into a checked :class:`Query` (or a :class:`QueryError` with a
message to show them); ``matches`` evaluates one query on one :class:`Document`; ``MatchIndex``
matches a story against every subscribed query at once; ``highlight_spans`` finds the matched
terms in a text to emphasize them.
"""

from bot.match.index import Document, Match, MatchIndex, highlight_spans, matches
from bot.match.query import Query, QueryError, parse_query

__all__ = [
    "Document",
    "Match",
    "MatchIndex",
    "Query",
    "QueryError",
    "highlight_spans",
    "matches",
    "parse_query",
]
