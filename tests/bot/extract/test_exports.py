"""The package's public names, pinned: a change here is an interface change for every caller."""

from __future__ import annotations

import bot.extract


def test_public_names_are_pinned() -> None:
    assert sorted(bot.extract.__all__) == [
        "ExtractedArticle",
        "ExtractionError",
        "clean_text",
        "extract_html",
        "extract_text",
        "html_to_text",
    ]
    assert all(hasattr(bot.extract, name) for name in bot.extract.__all__)
