"""ProseMap: where a page's sentence-like paragraphs are."""

from __future__ import annotations

from lxml import html as lxml_html

from bot.extract._prose import ProseMap

SENTENCE = "The council approved the new budget after a long debate on Tuesday night."  # 13 words


def test_prose_words_are_counted_inside_every_ancestor_and_held_by_the_paragraphs_parent() -> None:
    root = lxml_html.fromstring(
        f"<html><body><div id='outer'><div id='body'><p>{SENTENCE}</p><p>{SENTENCE}</p></div>"
        "</div></body></html>"
    )
    prose = ProseMap.of(root)
    outer, body = root.get_element_by_id("outer"), root.get_element_by_id("body")
    assert prose.total == 26
    assert prose.words_in(outer) == prose.words_in(body) == 26
    assert prose.best() is body


def test_menus_headlines_and_link_lists_are_not_prose() -> None:
    links = " ".join(
        f"<a href='/{i}'>Another story about the budget vote {i}.</a>" for i in range(3)
    )
    root = lxml_html.fromstring(
        "<html><body><ul><li>Home</li><li>World news and politics today</li></ul>"
        f"<h2>Budget passes after a long night in the council</h2><p>{links}</p></body></html>"
    )
    assert ProseMap.of(root).total == 0


def test_text_between_line_breaks_is_held_by_its_container() -> None:
    root = lxml_html.fromstring(
        f"<html><body><table><tr><td id='cell'>{SENTENCE}<br><br>{SENTENCE}</td></tr></table>"
        "</body></html>"
    )
    prose = ProseMap.of(root)
    assert prose.best() is root.get_element_by_id("cell")
    assert prose.total == 26  # one paragraph of the cell's own text, two sentences


def test_paragraphs_of_prose_are_counted_per_subtree_without_headings_or_links() -> None:
    root = lxml_html.fromstring(
        f"<html><body><div id='one'><h2>Budget passes</h2><p>{SENTENCE}</p></div>"
        f"<div id='two'><p>{SENTENCE}</p><p>{SENTENCE}</p><p><a href='/x'>{SENTENCE}</a></p>"
        "</div></body></html>"
    )
    prose = ProseMap.of(root)
    assert prose.paragraphs_in(root.get_element_by_id("one")) == 1
    assert prose.paragraphs_in(root.get_element_by_id("two")) == 2
    assert prose.paragraphs_in(root) == 3
