"""OPML: the shapes real readers export, a round trip, and files meant to hurt."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.errors import InputError
from bot.opml import MAX_OPML_BYTES, OpmlFeed, read_opml, write_opml

# The shape Feedly, Inoreader and NetNewsWire export: folders as outlines, `text` and `title`
# both or only one, a feed in two folders, a plain link among the feeds, comments.
READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- exported by a feed reader -->
<opml version="1.0">
  <head><title>Subscriptions of ana</title></head>
  <body>
    <outline text="World" title="World">
      <outline type="rss" text="Wire One" title="Wire One"
               xmlUrl="https://wire.example/rss?edition=intl&amp;format=xml"
               htmlUrl="https://wire.example/"/>
      <outline text="Middle East">
        <outline type="rss" text="Gulf Daily" xmlUrl="https://gulf.example/feed/"/>
      </outline>
    </outline>
    <outline title="Tech">
      <outline type="rss" xmlUrl="https://blog.example/atom.xml"/>
      <outline type="rss" text="Wire One again" xmlUrl="https://wire.example/rss?edition=intl&amp;format=xml"/>
      <outline type="link" text="A web page" url="https://page.example/"/>
      <outline type="rss" text="Lower-case attribute" xmlurl="  https://old.example/index.rdf "/>
      <outline type="rss" text="No URL at all"/>
    </outline>
    <outline type="rss" text="Top level" xmlUrl="https://top.example/feed.json"/>
  </body>
</opml>"""


def test_a_readers_export_yields_every_feed_once_with_its_folders() -> None:
    assert read_opml(READER_EXPORT) == (
        OpmlFeed(
            "https://wire.example/rss?edition=intl&format=xml",
            "Wire One",
            "https://wire.example/",
            ("World",),
        ),
        OpmlFeed("https://gulf.example/feed/", "Gulf Daily", None, ("World", "Middle East")),
        OpmlFeed("https://blog.example/atom.xml", None, None, ("Tech",)),
        OpmlFeed("https://old.example/index.rdf", "Lower-case attribute", None, ("Tech",)),
        OpmlFeed("https://top.example/feed.json", "Top level", None, ()),
    )


def test_written_opml_reads_back_to_the_same_feed_urls() -> None:
    sources = [
        ("https://wire.example/rss?edition=intl&format=xml", "Wire One & Co"),
        ("https://blog.example/atom.xml", None),
        ("https://wire.example/rss?edition=intl&format=xml", "Wire One (again)"),
        ("https://ünïcode.example/feed", "Ünïcode <news>"),
        ("https://top.example/feed.json", ""),
    ]
    back = read_opml(write_opml(sources))
    assert [f.url for f in back] == [
        "https://wire.example/rss?edition=intl&format=xml",
        "https://blog.example/atom.xml",
        "https://ünïcode.example/feed",
        "https://top.example/feed.json",
    ]
    assert [f.title for f in back] == [
        "Wire One & Co",
        "https://blog.example/atom.xml",  # no title: the URL stands in as OPML's required text
        "Ünïcode <news>",
        "https://top.example/feed.json",
    ]


def test_a_readers_export_survives_a_round_trip() -> None:
    first = read_opml(READER_EXPORT)
    again = read_opml(write_opml((f.url, f.title) for f in first))
    assert [f.url for f in again] == [f.url for f in first]


def test_written_opml_is_version_2_with_a_head() -> None:
    created = datetime(2025, 12, 21, 13, 0, tzinfo=UTC)
    text = write_opml([("https://a.example/rss", "A")], title="Chat 42", created=created).decode()
    assert text.startswith("<?xml version='1.0' encoding='UTF-8'?>\n<opml version=\"2.0\">")
    assert "<title>Chat 42</title>" in text
    assert "<dateCreated>Sun, 21 Dec 2025 13:00:00 GMT</dateCreated>" in text
    assert '<outline type="rss" text="A" xmlUrl="https://a.example/rss" title="A" />' in text


def test_an_empty_list_is_a_valid_empty_file() -> None:
    assert read_opml(write_opml([])) == ()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE opml [
 <!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
]>
<opml version="2.0"><body><outline text="&e;" xmlUrl="https://x.example/&e;"/></body></opml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&secret;" xmlUrl="https://x.example/"/></body></opml>"""

SMALL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY host "x.example">]>
<opml version="2.0"><body><outline text="t" xmlUrl="https://&host;/feed"/></body></opml>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BILLION_LAUGHS, "declares XML entities"),
        (EXTERNAL_ENTITY, "declares XML entities"),
        (SMALL_ENTITY, "declares XML entities"),
        (b"<rss version='2.0'><channel/></rss>", r"not an OPML file \(it is a <rss>\)"),
        (b"name,url\nA,https://a.example/rss\n", "not a readable OPML file"),
        (b"", "not a readable OPML file"),
        (b"<opml><body>" + b" " * MAX_OPML_BYTES + b"</body></opml>", "larger than 2 MB"),
    ],
)
def test_files_that_are_not_safe_opml_are_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_opml(data)


def test_deeply_nested_folders_do_not_exhaust_the_stack() -> None:
    depth = 200
    data = (
        b"<opml version='2.0'><body>"
        + b"<outline text='f'>" * depth
        + b"<outline xmlUrl='https://deep.example/rss'/>"
        + b"</outline>" * depth
        + b"</body></opml>"
    )
    (feed,) = read_opml(data)
    assert feed.url == "https://deep.example/rss" and len(feed.categories) == depth
