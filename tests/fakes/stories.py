"""Sample news for tests: article texts that match (or only seem to match) `ceasefire`, feed
items built from them for `make_feed`, and a stored story of the first (`add_ceasefire_story`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.store import Article, Database, Story
from tests.fakes import NOW

__all__ = ["CEASEFIRE", "STORM", "add_ceasefire_story", "item"]

CEASEFIRE = (
    "Negotiators from both sides agreed to a ceasefire late on Saturday after three days of talks "
    "hosted by mediators in Geneva, officials said. The truce is due to take effect at midnight "
    "and will be monitored by observers from several neutral countries, according to a statement "
    "released after the talks ended. Aid agencies welcomed the agreement and said they were ready "
    "to send convoys of food and medicine to the worst-hit areas as soon as the roads were safe. "
    "Previous attempts to halt the fighting collapsed within days, and analysts warned that the "
    "deal could falter unless both sides withdraw heavy weapons from the front line."
)
STORM = (
    "A powerful storm brought severe flooding to coastal towns overnight, cutting power to more "
    "than forty thousand homes and forcing the closure of several roads. Emergency services said "
    "they had rescued a number of motorists trapped in floodwater, and no serious injuries had "
    "been reported. The electricity network operator said crews were working to restore supplies "
    "but warned that some customers could be without power until Sunday, as a ceasefire in "
    "repair work disputes was agreed with unions."
)


def item(guid: str, title: str, text: str, when: datetime) -> dict[str, object]:
    return {
        "guid": guid,
        "title": title,
        "link": f"https://outlet.example/{guid}",
        "content": text,
        "published": when,
    }


def add_ceasefire_story(
    db: Database,
    feed_id: int,
    summary: Sequence[str],
    *,
    title: str = "Ceasefire agreed in Geneva",
    outlets: int = 1,
) -> tuple[int, int]:
    """A stored English story summarized as `summary` and carried by `outlets` outlets, with
    the one article (CEASEFIRE, on `feed_id`) that just came in; returns both ids."""
    with db.session() as session:
        story = Story(
            title=title,
            url=f"https://planet.example/{title.lower().replace(' ', '-')}",
            summary=list(summary),
            language="en",
            created_at=NOW,
            updated_at=NOW,
            source_count=outlets,
        )
        article = Article(
            feed_id=feed_id,
            story=story,
            guid=title,
            url=story.url,
            title=title,
            text=CEASEFIRE,
            source="Planet",
            fetched_at=NOW,
        )
        session.add_all([story, article])
        session.flush()
        return story.id, article.id
