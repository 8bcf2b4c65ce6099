"""html_to_text: feed fragments to plain paragraphs."""

from __future__ import annotations

from bot.extract import clean_text, html_to_text

# --- feed fragments --------------------------------------------------------------------------


def test_html_to_text_unescapes_entities() -> None:
    text = html_to_text(
        "<p>Tom &amp; Jerry&#8217;s &quot;show&quot; &lt;live&gt; &eacute;t&eacute;</p>"
    )
    assert text == 'Tom & Jerry’s "show" <live> été'


def test_html_to_text_keeps_paragraphs() -> None:
    text = html_to_text("<p>First  paragraph\n here.</p><p>Second <b>one</b>.</p><div>Third</div>")
    assert text == "First paragraph here.\n\nSecond one.\n\nThird"


def test_html_to_text_turns_line_breaks_into_lines_and_double_breaks_into_paragraphs() -> None:
    text = html_to_text("One<br>two<br/><br />three")
    assert text == "One\ntwo\n\nthree"


def test_html_to_text_drops_scripts_and_styles() -> None:
    text = html_to_text("<style>p{color:red}</style><p>Visible</p><script>alert(1)</script>")
    assert text == "Visible"


def test_feed_summary_loses_its_wordpress_trailer() -> None:
    summary = (
        "<p>The council approved the new budget after a long debate on Tuesday night.</p>"
        '<p>The post <a href="https://example.com/b">Budget approved</a> appeared first on '
        "Example News.</p>"
    )
    text = clean_text(html_to_text(summary))
    assert text == "The council approved the new budget after a long debate on Tuesday night."


def test_html_to_text_of_plain_text_unescapes_and_keeps_paragraphs() -> None:
    assert html_to_text("Fish &amp; chips\n\nare   back") == "Fish & chips\n\nare back"
