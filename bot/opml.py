"""OPML subscription lists: reading the ones readers export, writing one others can import.

A user's file is hostile until proven otherwise, so it is size-capped and parsed with
defusedxml, which refuses any entity declaration or external reference as the parser meets it,
before anything is expanded or loaded (OPML never needs either). Readers export in many
shapes (folders as nested outlines, `text` without `title`, lower-case `xmlurl`, one feed in
several folders); reading keeps every feed once, in order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.etree import ElementTree as etree

import defusedxml
import defusedxml.ElementTree

from bot.errors import InputError

__all__ = ["MAX_OPML_BYTES", "OpmlFeed", "read_opml", "write_opml"]

MAX_OPML_BYTES = 2_000_000
FEED_TYPES = {"rss", "atom", "json", "jsonfeed"}  # the types that may give the URL as `url`


@dataclass(frozen=True)
class OpmlFeed:
    """One feed of the list: its URL, its title if the file gives one, the site's address, and
    the folders it sits in (outermost first)."""

    url: str
    title: str | None = None
    html_url: str | None = None
    categories: tuple[str, ...] = ()


def _name(element: etree.Element) -> str:
    """The tag without its namespace, lower-cased: readers disagree on both."""
    return str(element.tag).rsplit("}", 1)[-1].lower()


def _attribute(outline: etree.Element, name: str) -> str | None:
    """An attribute by name, whatever its case (`xmlUrl`, `xmlurl`), stripped; None if blank."""
    wanted = name.lower()
    for key, value in outline.attrib.items():
        if str(key).lower() == wanted and str(value).strip():
            return str(value).strip()
    return None


def _parse(data: bytes) -> etree.Element:
    if len(data) > MAX_OPML_BYTES:
        raise InputError(f"that OPML file is larger than {MAX_OPML_BYTES // 1_000_000} MB")
    try:
        root: etree.Element = defusedxml.ElementTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise InputError("that OPML file declares XML entities, which are not accepted") from exc
    except etree.ParseError as exc:
        raise InputError(f"that is not a readable OPML file ({exc})") from exc
    if _name(root) != "opml":
        raise InputError(f"that is not an OPML file (it is a <{_name(root)}>)")
    return root


def _outlines(root: etree.Element) -> Iterator[tuple[etree.Element, tuple[str, ...]]]:
    """Every outline with the folders above it, depth first, without recursion."""
    body = next((c for c in root if _name(c) == "body"), None)
    top = list(body) if body is not None else []
    stack: list[tuple[etree.Element, tuple[str, ...]]] = [(c, ()) for c in reversed(top)]
    while stack:
        node, folders = stack.pop()
        if _name(node) != "outline":
            continue
        yield node, folders
        name = _attribute(node, "title") or _attribute(node, "text")
        inner = (*folders, name) if name and _feed_url(node) is None else folders
        stack.extend((child, inner) for child in reversed(node))


def _feed_url(outline: etree.Element) -> str | None:
    url = _attribute(outline, "xmlUrl")
    if url is None and (_attribute(outline, "type") or "").lower() in FEED_TYPES:
        url = _attribute(outline, "url")
    return url


def read_opml(data: bytes) -> tuple[OpmlFeed, ...]:
    """The feeds of an OPML file, each URL once (where it first appears); InputError when the
    file is too large, not OPML, or unsafe."""
    feeds: dict[str, OpmlFeed] = {}
    for outline, folders in _outlines(_parse(data)):
        url = _feed_url(outline)
        if url and url not in feeds:
            title = _attribute(outline, "title") or _attribute(outline, "text")
            feeds[url] = OpmlFeed(url, title, _attribute(outline, "htmlUrl"), folders)
    return tuple(feeds.values())


def write_opml(
    feeds: Iterable[tuple[str, str | None]],
    *,
    title: str = "newsbot sources",
    created: datetime | None = None,
) -> bytes:
    """An OPML 2.0 file listing `(url, title)` pairs, each URL once; a feed without a title gets
    its URL as `text`, which OPML requires."""
    root = etree.Element("opml", version="2.0")
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "title").text = title
    if created is not None:
        stamp = format_datetime(created.astimezone(UTC), usegmt=True)
        etree.SubElement(head, "dateCreated").text = stamp
    body = etree.SubElement(root, "body")
    seen: set[str] = set()
    for url, name in feeds:
        if url in seen:
            continue
        seen.add(url)
        outline = etree.SubElement(body, "outline", type="rss", text=name or url, xmlUrl=url)
        if name:
            outline.set("title", name)
    etree.indent(root)
    document: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return document + b"\n"
