"""Text a reader sees that trafilatura would drop: loose runs of prose, custom elements, MathML
(issue #10: bodies lost on held-out pages)."""

from __future__ import annotations

from lxml import html as lxml_html

from bot.extract import extract_html
from bot.extract._loose import wrap_loose_text

BODY = [
    "The city library will open on Sundays from next month, the culture department said, "
    "after a petition from students gathered more than five thousand signatures.",
    "Reading rooms on the first floor stay open from ten until six, while the archive and the "
    "children's section keep their weekday hours for now.",
    "The extra day costs about two hundred thousand euros a year, paid from the budget that "
    "was set aside for the renovation of the east wing.",
    "Librarians' representatives agreed to the change on condition that Sunday shifts remain "
    "voluntary and are paid at the weekend rate.",
    "The department will count visitors for six months before deciding whether the Sunday "
    "hours become permanent or are limited to the exam season.",
]


def article(last_paragraph: str) -> str:
    """A page whose <article> holds three paragraphs of BODY, then `last_paragraph`."""
    paragraphs = "".join(f"<p>{p}</p>" for p in BODY[:3])
    return f"<html><body><article>{paragraphs}{last_paragraph}</article></body></html>"


def test_paragraphs_written_as_loose_text_between_boxes_are_all_kept() -> None:
    # An article whose paragraphs are loose text in its container, parted by empty spans
    # styled as line breaks and by advertisement boxes, after a video box (a news site's
    # layout, issue #10: trafilatura kept two thirds of it).
    gap = "<span class='gap'></span>"
    ad = "<div class='slot'><div></div></div>"
    body = (
        f"<div class='ab12'><div class='video'><div></div></div>{BODY[0]}{gap}{BODY[1]}{gap}"
        f"{ad}{gap}<span class='strong'>Sunday hours</span>{gap}{BODY[2]}{ad}{gap}{BODY[3]}"
        f"{gap}{ad}{gap}{BODY[4]}{gap}</div>"
    )
    text = extract_html(f"<html><body>{body}</body></html>").text
    assert all(paragraph in text for paragraph in BODY)


def test_a_loose_run_of_prose_becomes_a_paragraph() -> None:
    tree = lxml_html.fromstring(
        f"<html><body><div><div>Box</div>{BODY[0]} <b>Now.</b><div>Box</div></div></body></html>"
    )
    wrap_loose_text(tree)
    paragraphs = tree.findall(".//p")
    assert [p.text_content() for p in paragraphs] == [f"{BODY[0]} Now."]


def test_loose_text_that_is_not_prose_stays_as_it_is() -> None:
    # Indentation between blocks, a caption-like phrase, and hidden spans of structured data
    # whose own text around them is only whitespace.
    tree = lxml_html.fromstring(
        "<html><body><div>\n  <div>Box</div>\n  Three rooms of the library\n  <div>Box</div>"
        f"\n  <span itemprop='headline'>{BODY[1]}</span>\n  <div>Box</div></div></body></html>"
    )
    wrap_loose_text(tree)
    assert tree.find(".//p") is None


def test_the_text_of_custom_elements_is_kept() -> None:
    said = "The east wing will reopen before the autumn term starts, the director said on Monday."
    html = article(f"<x-statement>{said}</x-statement>")
    assert said in extract_html(html).text


def test_a_formula_in_mathml_stays_in_its_sentence() -> None:
    formula = "<math><mi>a</mi><mo>≠</mo><mn>0</mn></math>"
    html = article(
        f"<p>The load on each shelf is safe when {formula} holds for every row, the engineers "
        "wrote.</p>"
    )
    assert "when a ≠ 0 holds for every row" in extract_html(html).text


def test_a_displayed_formula_between_headings_is_kept() -> None:
    # A formula shown on its own between two headings: loose text with no sentence around it.
    formula = "<math display='block'><mi>E</mi><mo>=</mo><mi>m</mi><msup><mi>c</mi><mn>2</mn>"
    formula += "</msup></math>"
    html = (
        "<html><body><h1>Three equations</h1>"
        + "".join(f"<p>{p}</p>" for p in BODY)
        + f"<h2>Mass and energy</h2>{formula}<h2>Notes</h2></body></html>"
    )
    assert "E = m c 2" in extract_html(html).text
