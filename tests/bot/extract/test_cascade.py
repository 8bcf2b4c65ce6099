"""The fast pass is judged by the prose it returns before the full cascade is skipped."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html

from bot.extract import extract_html
from bot.extract._cascade import extract_body
from bot.extract._container import Region
from bot.extract._document import parse, prepare

BODY = [
    "The harbour authority closed the northern pier on Monday after divers found cracks in "
    "three of the concrete pillars that carry the loading cranes.",
    "Ferries to the islands will leave from the southern terminal until the repairs are done, "
    "which the authority expects to take at least six weeks.",
    "Fishing boats may still moor at the pier, but no vehicles heavier than three tonnes are "
    "allowed on it, and the cranes will stay out of service.",
    "The authority said the pier had last been inspected four years ago and that the cracks "
    "were probably caused by the storms of the past winter.",
]
PROMO = "".join(
    f"<p><a href='/p/{i}'>Cheap flights to {country}</a> from 19 euros</p>"
    for i, country in enumerate(
        [
            "Spain",
            "Italy",
            "Greece",
            "Malta",
            "Cyprus",
            "Portugal",
            "Croatia",
            "Turkey",
            "Egypt",
            "Morocco",
        ]
    )
)


def tree(html: str) -> lxml_html.HtmlElement:
    return prepare(parse(html), len(html))


def test_a_table_layout_without_a_named_container_gives_the_article_not_the_promo() -> None:
    article = "<br><br>".join(BODY)
    html = (
        f"<html><body><table><tr><td>{PROMO}</td><td><font>{article}</font></td></tr>"
        "</table></body></html>"
    )
    assert extract_html(html).text == "\n\n".join(BODY)


def test_a_fast_result_of_furniture_is_replaced_by_the_full_cascade() -> None:
    promo = Region(tree(f"<html><body><div>{PROMO}</div></body></html>"), 80, narrowed=True)
    page = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>"
    text = extract_body(promo, lambda: parse(page + "</body></html>"))
    assert text.split("\n") == BODY


def test_a_fast_result_that_holds_the_region_s_prose_is_kept() -> None:
    article = "<html><body><article>" + "".join(f"<p>{p}</p>" for p in BODY) + "</article>"
    region = Region(tree(article + "</body></html>"), 90, narrowed=True)

    def whole_page() -> lxml_html.HtmlElement:
        pytest.fail("the full cascade ran on a complete fast result")

    assert extract_body(region, whole_page).split("\n") == BODY


def test_justext_pass_reads_the_stop_words_of_the_languages_the_bot_knows_only() -> None:
    import trafilatura.external
    from justext.utils import get_stoplist

    words = set(trafilatura.external.jt_stoplist_init())

    assert {"the", "and", "der", "und", "les"} <= words  # English, German, French
    assert set(get_stoplist("Swahili")) - words  # a language the summarizer does not know
