"""extract_html on real pages and on pages that are not articles."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.extract import ExtractedArticle, ExtractionError, extract_html

BenchmarkPage = Callable[[str], tuple[str, dict[str, str]]]  # the conftest fixture

# --- real pages ------------------------------------------------------------------------------


def test_news_page_keeps_its_body_and_drops_the_newsletter_box(
    benchmark_page: BenchmarkPage,
) -> None:
    html, truth = benchmark_page("08f79376")  # cbssports.com
    assert "Pick Six Newsletter" in html
    article = extract_html(html, url=truth["url"])
    assert "The Steelers spent Monday trying to distance themselves" in article.text
    assert "Pick Six Newsletter" not in article.text
    assert "Thanks for signing up" not in article.text


def test_news_page_drops_inline_teasers_of_other_stories(benchmark_page: BenchmarkPage) -> None:
    html, truth = benchmark_page("ba4dfe2d")  # express.co.uk
    assert "DON'T MISS" in html
    article = extract_html(html, url=truth["url"])
    assert "a third instance of the plague has been reported" in article.text
    assert "DON'T MISS" not in article.text
    assert "READ MORE" not in article.text


def test_headline_is_the_title_not_part_of_the_body(benchmark_page: BenchmarkPage) -> None:
    html, truth = benchmark_page("08f79376")
    article = extract_html(html, url=truth["url"])
    assert article.title == (
        "Browns player on Mason Rudolph's role in fight with Myles Garrett: He asked for it"
    )
    assert not article.text.startswith("Browns player on Mason Rudolph")


def test_page_metadata_gives_canonical_url_language_and_utc_date(
    benchmark_page: BenchmarkPage,
) -> None:
    html, truth = benchmark_page("c50845a7")  # space.com
    article = extract_html(html, url="https://www.space.com/some-tracking-redirect")
    assert article.url == truth["url"]
    assert article.language == "en"
    assert article.published == datetime(2019, 11, 18, 22, 5, 36, tzinfo=UTC)


def test_paragraphs_are_separated_by_a_blank_line(benchmark_page: BenchmarkPage) -> None:
    html, truth = benchmark_page("c50845a7")
    paragraphs = extract_html(html, url=truth["url"]).text.split("\n\n")
    assert len(paragraphs) > 5
    assert all(p.strip() and "\n" not in p for p in paragraphs)


@pytest.mark.parametrize(
    ("prefix", "language", "sentence"),
    [
        ("3c6d3381", "ru", "Наши герои знают толк не только во вкусе, но и в красоте еды."),
        ("57b4dafd", "de", "Die Digitalisierung als Wachstums- und Entwicklungstreiber"),
        ("b3c19dd5", "pt", "Viver uma verdadeira experiência amorosa é um dos maiores prazeres"),
        (
            "85439e26",
            "ja",
            "商標法違反の疑いで20代の男性が逮捕されたというニュースを耳にしました。",
        ),
    ],
)
def test_non_english_page_keeps_its_text_and_language(
    benchmark_page: BenchmarkPage, prefix: str, language: str, sentence: str
) -> None:
    html, truth = benchmark_page(prefix)
    assert sentence in truth["articleBody"]
    article = extract_html(html, url=truth["url"])
    assert article.language == language
    assert sentence in article.text


def test_every_benchmark_page_gives_an_article_or_a_clean_error(extraction_dir: Path) -> None:
    folder = extraction_dir / "scrapinghub-article-extraction-benchmark" / "html"
    extracted = 0
    for path in sorted(folder.glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes())
        try:
            article = extract_html(html)
        except ExtractionError:
            continue
        assert isinstance(article, ExtractedArticle)
        assert len(article.text.split()) >= 12
        extracted += 1
    assert extracted >= 178  # of 181: a few pages are tables or link lists, not prose


# --- pages that are not articles -------------------------------------------------------------


def test_page_with_only_navigation_raises() -> None:
    html = """<html><head><title>Example News</title></head><body>
      <nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li>
      <li><a href="/sport">Sport</a></li></ul></nav>
      <div class="menu"><a href="/login">Sign in</a> <a href="/subscribe">Subscribe</a></div>
      <footer>© 2026 Example News. All rights reserved. <a href="/privacy">Privacy</a></footer>
    </body></html>"""
    with pytest.raises(ExtractionError):
        extract_html(html)


@pytest.mark.parametrize("html", ["", "   ", b"", "<html></html>", "\x00\x01\x02 binary"])
def test_empty_or_garbage_input_raises(html: str | bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_html(html)


def test_deeply_nested_markup_does_not_crash() -> None:
    prose = "<p>" + "The council approved the new budget after a long debate. " * 8 + "</p>"
    html = "<html><body>" + "<div>" * 3000 + prose + "</div>" * 3000 + "</body></html>"
    try:
        article = extract_html(html)
    except ExtractionError:
        return  # refusing is fine; crashing or hanging is not
    assert "council approved the new budget" in article.text


def test_oversized_page_is_refused() -> None:
    with pytest.raises(ExtractionError, match="too large"):
        extract_html("<html><body>" + "<p>word</p>" * 1_000_000 + "</body></html>")


def test_bytes_are_decoded_with_the_declared_charset() -> None:
    body = "<p>" + "Le café de la gare a rouvert ses portes après les travaux. " * 6 + "</p>"
    html = f'<html><head><meta charset="iso-8859-1"></head><body>{body}</body></html>'
    article = extract_html(html.encode("iso-8859-1"))
    assert "Le café de la gare a rouvert" in article.text
    assert article.language == "fr"


def test_relative_canonical_url_is_resolved_against_the_page_url() -> None:
    body = "<article><p>" + "The bridge will reopen to traffic on Monday morning. " * 8
    html = (
        '<html><head><link rel="canonical" href="/news/bridge-reopens"></head><body>'
        f"{body}</p></article></body></html>"
    )
    article = extract_html(html, url="https://example.com/amp/news/bridge-reopens?utm=x")
    assert article.url == "https://example.com/news/bridge-reopens"
