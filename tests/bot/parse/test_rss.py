"""RSS and Atom: an aggregator's entries say which outlet each comes from."""

from __future__ import annotations

from bot.parse import parse_feed

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Search results</title>
<item><title>Truce holds - Reuters</title><link>https://r.example/1</link>
<source url="https://www.reuters.com">Reuters</source></item>
<item><title>No source</title><link>https://r.example/2</link></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Planet</title>
<entry><title>Relayed</title><id>urn:1</id><link href="https://p.example/1"/>
<source><id>urn:lm</id><title>Le <b>Monde</b></title></source><author><name>Jane</name></author>
</entry></feed>"""


def test_an_rss_items_source_element_names_its_outlet() -> None:
    assert [e.source for e in parse_feed(RSS).entries] == ["Reuters", None]


def test_an_atom_entrys_source_title_names_its_outlet() -> None:
    [entry] = parse_feed(ATOM).entries
    assert (entry.source, entry.author) == ("Le Monde", "Jane")


def atom_titled(title: str) -> bytes:
    return f"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>P</title>
<entry><title type="html">{title}</title><id>urn:1</id><link href="https://p.example/1"/>
</entry></feed>""".encode()


def test_an_html_titles_script_is_not_part_of_the_title() -> None:
    title = "&lt;script&gt;track()&lt;/script&gt;Truce &lt;b&gt;holds&lt;/b&gt;"
    [entry] = parse_feed(atom_titled(title)).entries
    assert entry.title == "Truce holds"


def test_an_unclosed_script_hides_the_rest_of_a_title_however_many_open() -> None:
    [entry] = parse_feed(atom_titled("Truce " + "&lt;script&gt;" * 50_000 + "x")).entries
    assert entry.title == "Truce"


def test_a_feeds_own_html_title_is_plain_text() -> None:
    feed = ATOM.replace(
        b"<title>Planet</title>", b'<title type="html">&lt;b&gt;Planet&lt;/b&gt;</title>'
    )
    assert parse_feed(feed).title == "Planet"


def test_a_script_is_dropped_whole_after_letters_that_lowercase_to_two() -> None:
    title = "İ" * 20 + " &lt;script&gt;x&lt;/script&gt; talks"
    [entry] = parse_feed(atom_titled(title)).entries
    assert entry.title == "İ" * 20 + " talks"
