"""The article's container is trusted by the prose it holds, not by its name (issue #10)."""

from __future__ import annotations

from lxml import html as lxml_html

from bot.extract import extract_html

BODY = [
    "The regional council voted on Tuesday to extend the night bus network to the northern "
    "suburbs, after two years of complaints from shift workers who had no way home.",
    "The new lines start in March and will run every thirty minutes between midnight and five "
    "in the morning, the transport director told reporters after the vote.",
    "Opposition members argued that the money would be better spent on the existing daytime "
    "routes, which are often late and overcrowded during the morning rush hour.",
    "The council expects about four thousand passengers a night once all six lines are open, "
    "and will review the figures after the first year of service.",
    "Unions welcomed the decision but said the drivers who work the new shifts must be paid "
    "the night rate agreed in last year's collective contract.",
    "The first buses will leave the central station at ten past midnight on the third of "
    "March, and tickets bought during the day will remain valid on them.",
]
ARTICLE = "".join(f"<p>{p}</p>" for p in BODY)
LINKS = "".join(
    f"<li><a href='/ads/{i}'>Used cars and vans for sale in district {i}</a></li>"
    for i in range(30)
)


def page(body: str) -> str:
    return f"<html><head><title>Night buses</title></head><body>{body}</body></html>"


def assert_whole_body(text: str) -> None:
    assert text.split("\n\n") == BODY


def test_a_container_named_content_that_holds_a_menu_is_not_the_article() -> None:
    html = page(f"<div class='content'><ul>{LINKS}</ul></div><div class='x'>{ARTICLE}</div>")
    assert_whole_body(extract_html(html).text)


def test_containers_named_main_menu_and_main_header_are_not_the_article() -> None:
    header = "<div id='mainheader'><p>Your city, your news, every day since 1901</p></div>"
    html = page(f"<div id='mainMenu'><ul>{LINKS}</ul></div>{header}<div>{ARTICLE}</div>")
    assert_whole_body(extract_html(html).text)


def test_a_partial_name_hit_on_a_hero_block_does_not_hide_the_body() -> None:
    standfirst = (
        "Shift workers in the northern suburbs will finally get a way home at night, as the "
        "council approves six new bus lines. They run from midnight until five in the morning "
        "on every day of the week, including public holidays and the long summer school break."
    )
    topics = "".join(
        f"<li><a href='/topics/{t}'>{t}</a></li>"
        for t in ("Regional transport", "Northern suburbs", "Night economy", "City council")
    )
    hero = (
        "<div class='hero__text-content'><h1>Night buses for the north</h1>"
        f"<p>{standfirst}</p><p>By Anna Berg, transport correspondent, Tuesday 3 February</p>"
        f"<ul>{topics * 6}</ul></div>"
    )
    # enough text for a rule that trusts names (500 characters) and for its fast pass (250)
    assert len(lxml_html.fromstring(hero).text_content()) > 500 and len(standfirst) > 250
    text = extract_html(page(f"{hero}<div class='layout'>{ARTICLE}</div>")).text
    assert text.endswith("\n\n".join(BODY))


def test_an_article_split_around_an_advertisement_is_read_whole() -> None:
    part = "<div class='body body__container article__body'>{}</div>"
    first, second = "".join(f"<p>{p}</p>" for p in BODY[:3]), ARTICLE.split("</p>", 3)[3]
    html = page(
        f"<article><div class='row'>{part.format(first)}</div>"
        "<div class='ad'><span>Advertisement</span></div>"
        f"<div class='row'>{part.format(second)}</div></article>"
    )
    assert_whole_body(extract_html(html).text)


def test_a_list_of_teasers_with_long_excerpts_is_not_the_article() -> None:
    short_article = "".join(f"<p>{p}</p>" for p in BODY[:2])
    teasers = "".join(
        f"<article class='teaser'><h3><a href='/t/{i}'>Other story {i}</a></h3>"
        f"<p>{BODY[i % 6]} {BODY[(i + 1) % 6]}</p></article>"
        for i in range(6)
    )
    html = page(
        f"<article class='story'>{short_article}</article>"
        f"<section class='more'><h2>You may also like</h2>{teasers}</section>"
    )
    assert extract_html(html).text == "\n\n".join(BODY[:2])


def test_a_page_of_teasers_is_read_whole_not_as_its_first_teaser() -> None:
    # each excerpt long enough (> 250 characters) to pass for a complete extraction alone
    excerpts = [f"{BODY[i % 6]} {BODY[(i + 1) % 6]} (story {i})." for i in range(12)]
    teasers = "".join(
        f"<article><h2><a href='/s/{i}'>Headline of story {i}</a></h2>"
        f"<p>{excerpt}</p><p><a href='/a/{i}'>By a staff writer</a></p></article>"
        for i, excerpt in enumerate(excerpts)
    )
    text = extract_html(page(f"<main>{teasers}</main>")).text
    assert sum(excerpt in text for excerpt in excerpts) > 1
