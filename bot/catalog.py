"""The starter catalog: public news outlets' feeds an operator may switch on by language or
country, so a new bot watches more than the bundled samples.

`config/catalog.toml` lists each feed with its name, URL, language (ISO 639-1), country
(ISO 3166-1 alpha-2) and topics. Nothing in it is polled unless `sources.catalog_languages` or
`sources.catalog_countries` names it; the chosen entries become public feeds like configured
ones. A catalog feed that fails is an ordinary failing feed (backed off, reported), never a
reason not to start; a catalog file that cannot be read is a configuration error.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from bot.errors import ConfigError
from bot.settings import FeedConfig, Settings

__all__ = ["CatalogEntry", "catalog_feeds", "load_catalog", "select_entries"]


class CatalogEntry(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    url: str = Field(pattern=r"^https?://")
    language: str = Field(pattern=r"^[a-z]{2}$")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    topics: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class _Choice:
    languages: frozenset[str]
    countries: frozenset[str]

    def wants(self, entry: CatalogEntry) -> bool:
        return entry.language in self.languages or entry.country in self.countries


def load_catalog(path: Path) -> tuple[CatalogEntry, ...]:
    """Every entry of the catalog file, in order; ConfigError when it cannot be read."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"catalog file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return tuple(CatalogEntry(**raw) for raw in data.get("feeds", []))
    except (TypeError, ValidationError) as exc:
        raise ConfigError(f"{path}: a feed entry is malformed: {exc}") from exc


def select_entries(
    entries: Iterable[CatalogEntry],
    *,
    languages: Sequence[str] = (),
    countries: Sequence[str] = (),
) -> list[CatalogEntry]:
    """The entries in one of `languages` or of one of `countries` (case-insensitive)."""
    choice = _Choice(
        frozenset(code.lower() for code in languages), frozenset(c.upper() for c in countries)
    )
    return [entry for entry in entries if choice.wants(entry)]


def catalog_feeds(settings: Settings) -> list[FeedConfig]:
    """The catalog's feeds the settings switch on, as configured feeds (none by default, and
    then the catalog file is not even read)."""
    wanted = settings.sources
    if not wanted.catalog_languages and not wanted.catalog_countries:
        return []
    chosen = select_entries(
        load_catalog(wanted.catalog),
        languages=wanted.catalog_languages,
        countries=wanted.catalog_countries,
    )
    return [
        FeedConfig(url=entry.url, name=entry.name, interval=wanted.catalog_interval)
        for entry in chosen
    ]
