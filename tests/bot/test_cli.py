"""The `newsbot` command as a user runs it."""

from __future__ import annotations

import gzip
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.pages import read_page
from tests.fakes.feeds import FeedServer, Route, make_page

REPO = Path(__file__).resolve().parents[2]
PARAGRAPHS = [
    "The city council approved the new budget on Tuesday after a debate that lasted all night.",
    "Spending on schools rises by four percent, while the road programme is cut back sharply.",
]
PAGE_BODY = (
    "<head><title>Budget passes</title></head><body><article><h1>Budget passes</h1>"
    + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    + "</article></body></html>"
)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """`main` configures logging for the process, as an entry point should; put it back."""
    names = ("", "httpx", "apscheduler")
    levels = {name: logging.getLogger(name).level for name in names}
    handlers = list(logging.getLogger().handlers)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().handlers[:] = handlers


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


def test_demo_shows_the_whole_flow_on_the_bundled_samples(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # the demo must not depend on the working directory
    code, out = run("--config", str(REPO / "config" / "newsbot.toml"), "demo")
    assert code == 0
    # the seed story from two outlets is one story with two sources
    assert "sources (2): Euronews, Daily Guardian Europe" in out
    # the broken feed is reported and the others went on
    assert "A broken feed" in out and "failed" in out
    # the ceasefire alert, as sent, with the term emphasized; then the digest at 08:00 Berlin
    assert "<b>ceasefire</b>" in out
    assert "Your news digest</b> · Monday 22 December 2025, 08:00" in out
    # no page furniture from the teaser outlet's page reached any message
    for furniture in ("Keep Reading", "Editors Picks", "Close Menu", "All Rights Reserved"):
        assert furniture not in out
    assert "2 alerts and 1 digest message(s) sent" in out


def test_summarize_prints_json_with_title_summary_and_language(tmp_path: Path, seed_texts) -> None:
    path = tmp_path / "article.txt"
    path.write_text(seed_texts[1], encoding="utf-8")
    code, out = run("summarize", str(path), "--sentences", "2", "--json")
    payload = json.loads(out)
    assert code == 0
    assert set(payload) >= {"title", "summary", "language"}
    assert payload["language"] == "en" and len(payload["summary"]) == 2
    assert all(s in seed_texts[0] for s in payload["summary"])  # article sentences only


def test_summarize_reads_stdin(monkeypatch: pytest.MonkeyPatch, seed_texts) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(seed_texts[0].encode())))
    code, out = run("summarize", "-", "--sentences", "1")
    assert code == 0 and len(out.strip().splitlines()) == 1


def test_extract_jsonl_reads_gzipped_pages(shared_dir: Path) -> None:
    bench = shared_dir / "data" / "extraction" / "scrapinghub-article-extraction-benchmark"
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    page = sorted((bench / "html").glob("*.html.gz"))[0]
    code, out = run("extract", str(page), "--jsonl")
    record = json.loads(out)
    assert code == 0
    assert set(record) >= {"source", "title", "text", "language"}
    expected = truth[page.name.removesuffix(".html.gz")]["articleBody"]
    assert expected.split("\n")[0][:60] in record["text"]


def test_missing_file_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run("summarize", "/nonexistent/file.txt")
    assert code == 2
    assert "no such file" in capsys.readouterr().err


def test_run_without_a_token_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    code, _ = run("--config", str(REPO / "config" / "newsbot.toml"), "run")
    err = capsys.readouterr().err
    assert code == 2
    assert "@BotFather" in err and "newsbot demo" in err


def test_bad_config_is_a_one_line_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('telegram_bot_token = "1:x"\n', encoding="utf-8")
    code, _ = run("--config", str(config), "demo")
    assert code == 2 and "TELEGRAM_BOT_TOKEN" in capsys.readouterr().err


# --- the page path: the CLI reads pages as bot.pages does ------------------------------------


def test_extract_gives_what_read_page_gives_on_real_pages(shared_dir: Path) -> None:
    extraction = shared_dir / "data" / "extraction"
    paths = [
        *sorted((extraction / "fundus-publisher-test-pages" / "html").glob("*.html.gz"))[:3],
        *sorted((extraction / "mozilla-readability-test-pages" / "html").glob("*.html.gz"))[:2],
        extraction
        / "fundus-publisher-test-pages"
        / "html"
        / "id-MediaIndonesia_2026_01_20.html.gz",
    ]
    code, out = run("extract", "--jsonl", *map(str, paths))
    records = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and len(records) == len(paths)
    for path, record in zip(paths, records, strict=True):
        page = read_page(gzip.decompress(path.read_bytes()))
        assert (record["text"], record["title"], record["language"]) == (
            page.text,
            page.title,
            page.language,
        )


@pytest.mark.parametrize(
    "start",
    [
        "<!-- Layout Default -->\n<!DOCTYPE html>\n<html>",
        '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml">',
        "<script>var menu = ['Home', 'World', 'Sport'];</script>\n" * 100 + "<html>",
    ],
)
def test_extract_reads_pages_that_do_not_open_with_html_as_html(tmp_path: Path, start: str) -> None:
    path = tmp_path / "page.html"
    path.write_text(start + PAGE_BODY, encoding="utf-8")
    code, out = run("extract", str(path))
    assert code == 0
    assert out.strip() == "# Budget passes\n\n" + "\n\n".join(PARAGRAPHS)


def test_summarize_fetches_a_url_like_summary_does(
    feed_server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = feed_server.route(
        "/news/budget", Route(make_page("Budget passes", PARAGRAPHS), content_type="text/html")
    )
    monkeypatch.setenv("NEWSBOT_TELEGRAM__ALLOW_PRIVATE_URLS", "true")
    code, out = run("summarize", url, "--sentences", "1", "--json")
    payload = json.loads(out)
    assert code == 0
    assert payload["title"] == "Budget passes" and payload["summary"][0] in PARAGRAPHS


def test_a_url_to_a_private_address_is_a_one_line_error(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = feed_server.route("/a", Route(make_page("Budget passes", PARAGRAPHS)))
    code, _ = run("summarize", url)
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"newsbot summarize: {url}: 127.0.0.1 is not a public address"
    assert not feed_server.hits("/a")


def test_extract_reports_each_source_it_cannot_read_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.html"
    good.write_text("<html>" + PAGE_BODY, encoding="utf-8")
    menu = tmp_path / "menu.html"
    menu.write_text("<html><body><nav><a href='/'>Home</a></nav></body></html>", encoding="utf-8")
    code, out = run("extract", str(tmp_path / "missing.html"), str(menu), str(good))
    err = [line for line in capsys.readouterr().err.splitlines() if line.startswith("newsbot")]
    assert code == 1
    assert err[0] == f"newsbot extract: {tmp_path / 'missing.html'}: no such file"
    assert err[1].startswith(f"newsbot extract: {menu}: no article text")
    assert PARAGRAPHS[0] in out
