"""The package's public names, pinned: a change to them is a change to every caller."""

from __future__ import annotations

import bot.match


def test_public_names_are_listed() -> None:
    assert sorted(bot.match.__all__) == [
        "Document",
        "Match",
        "MatchIndex",
        "Query",
        "QueryError",
        "QueryMatch",
        "highlight_spans",
        "matches",
        "parse_query",
    ]
