"""Keyword alerts: the query language users write, and matching stories against their queries.

``parse_query`` turns a user's text into a checked :class:`Query` (or a :class:`QueryError` with a
message to show them); ``matches`` evaluates one query on one :class:`Document`; ``MatchIndex``
matches a story against every subscribed query at once, reporting each distinct query that
matched as a :class:`QueryMatch` with all its subscribers' keys (``QueryIndex`` is the same
without keys: each distinct query under a number, reported as a :data:`QueryHit` tuple, for
a caller that keeps its subscribers itself); ``highlight_spans`` finds the matched terms in a
text to emphasize them.

Inside, by concept: ``text`` (words to stems), ``lexer`` and ``query`` (the query language),
``story`` (a story read once for matching), ``direct`` (one query on one story), ``terms`` (a
term stemmed for a language), ``plan`` (a query compiled for the index: anchor, set tests),
``check`` (what is left to test, as small programs), ``table`` (one language's anchor tables
and the matching loop), ``index`` (distinct queries by number, and who subscribed to them),
``highlight`` (where the terms are in a text).
"""

from bot.match.direct import Match, matches
from bot.match.highlight import highlight_spans
from bot.match.index import MatchIndex, QueryIndex, QueryMatch
from bot.match.query import Query, QueryError, parse_query
from bot.match.story import Document
from bot.match.table import QueryHit

__all__ = [
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
]
