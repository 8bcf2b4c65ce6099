"""The `newsbot` command as a user runs it."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main

REPO = Path(__file__).resolve().parents[2]


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
