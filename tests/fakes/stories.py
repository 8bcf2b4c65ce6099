"""Sample news for tests: article texts that match (or only seem to match) `ceasefire`, and
feed items built from them for `make_feed`."""

from __future__ import annotations

from datetime import datetime

__all__ = ["CEASEFIRE", "STORM", "item"]

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
