"""Reading the page before extraction: bytes, control characters, hard-wrapped source lines."""

from __future__ import annotations

from bot.extract import extract_html

BODY = [
    "The harbour authority closed the northern pier on Monday after divers found cracks in "
    "three of the concrete pillars that carry the loading cranes.",
    "Ferries to the islands will leave from the southern terminal until the repairs are done, "
    "which the authority expects to take at least six weeks.",
    "Fishing boats may still moor at the pier, but no vehicles heavier than three tonnes are "
    "allowed on it, and the cranes will stay out of service.",
]


def page(body: str) -> str:
    return f"<html><body><article>{body}</article></body></html>"


def test_a_control_character_in_the_page_does_not_lose_the_article() -> None:
    paragraphs = [BODY[0].replace("cracks", "cracks\x08"), *BODY[1:]]
    html = page("".join(f"<p>{p}</p>" for p in paragraphs))
    assert extract_html(html).text == "\n\n".join(BODY)


def test_paragraphs_written_on_several_source_lines_stay_whole() -> None:
    wrapped = [p.replace(" the ", "\nthe ") for p in BODY]  # source lines broken before "the"
    assert all("\n" in p for p in wrapped)
    html = page("".join(f"<div><span><span>{p}</span></span><br></div>" for p in wrapped))
    assert extract_html(html).text == "\n\n".join(BODY)


def test_line_breaks_inside_preformatted_text_are_kept() -> None:
    html = page("".join(f"<p>{p}</p>" for p in BODY) + "<pre>make build\nmake test</pre>")
    assert "make build make test" not in extract_html(html).text


def test_highlighted_code_keeps_tokens_whose_class_names_sound_like_furniture() -> None:
    code = (
        '<pre><code><span class="hljs-meta">#include</span> <span class="token tags">'
        "&lt;stdio.h&gt;</span>\n<span class='sidebar'>int</span> main(void);</code></pre>"
    )
    text = extract_html(page("".join(f"<p>{p}</p>" for p in BODY) + code)).text
    assert "#include <stdio.h>" in text
    assert "int main(void);" in text


def test_utf8_bytes_give_the_article_their_text_gives() -> None:
    """Pages arrive as bytes: UTF-8 ones are parsed as they are, not decoded and encoded again,
    and what is read from them (custom elements, control characters) is the same."""
    paragraphs = [
        BODY[0].replace("cracks", "cracks\x08"),
        "<news-quote>Die Fähre „Nordstern“ fährt ab Dienstag wieder, sagte die Behörde am "
        "Montag in Kiel.</news-quote>",
        *BODY[1:],
    ]
    html = page("".join(f"<p>{p}</p>" for p in paragraphs))
    from_bytes = extract_html(html.encode("utf-8"))
    assert from_bytes == extract_html(html)
    assert "Die Fähre „Nordstern“ fährt ab Dienstag" in from_bytes.text
