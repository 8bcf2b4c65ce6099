"""`newsbot sources`, as an operator runs it: list, add, remove, import and export OPML (import
then export gives back the same feed URLs), and the catalog."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.opml import read_opml, write_opml
from tests.fakes.feeds import FeedServer, Route, make_feed, make_site_page

pytestmark = pytest.mark.usefixtures("restore_logging")


@pytest.fixture
def config(tmp_path: Path, database_url: str) -> Path:
    """A config with no configured feeds, on a database of each kind."""
    path = tmp_path / "newsbot.toml"
    path.write_text(f"database_url = '{database_url}'\n", encoding="utf-8")
    return path


def run(config: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--config", str(config), "sources", *args], out=out)
    return code, out.getvalue()


def test_import_then_export_gives_back_the_same_feed_urls(
    config: Path, feed_server: FeedServer, tmp_path: Path
) -> None:
    urls = [
        feed_server.route(f"/{name}.xml", Route(make_feed([], title=name.title())))
        for name in ("alpha", "beta", "gamma")
    ]
    listing = tmp_path / "feeds.opml"
    listing.write_bytes(write_opml([(url, None) for url in urls]))
    code, out = run(config, "import", str(listing))
    assert code == 0 and out.count("added\t") == 3
    code, exported = run(config, "export")
    assert code == 0
    assert [f.url for f in read_opml(exported.encode())] == urls
    code, again = run(config, "import", str(listing))
    assert code == 0 and again.count("already\t") == 3


def test_a_feed_that_fails_to_import_is_reported_with_its_reason(
    config: Path, feed_server: FeedServer, tmp_path: Path
) -> None:
    listing = tmp_path / "feeds.opml"
    listing.write_bytes(write_opml([(feed_server.url("/gone.xml"), "Gone")]))
    code, out = run(config, "import", str(listing))
    assert code == 1 and "failed\t" in out and "HTTP 404" in out


def test_add_finds_a_sites_feed_list_shows_it_and_remove_stops_it(
    config: Path, feed_server: FeedServer
) -> None:
    feed_server.route("/news/rss.xml", Route(make_feed([], title="Town News")))
    page = make_site_page("Town", [("/news/rss.xml", "application/rss+xml")])
    site = feed_server.route("/", Route(page, content_type="text/html"))
    code, out = run(config, "add", site)
    assert code == 0 and "Town News" in out
    code, listed = run(config, "list")
    feed_url = feed_server.url("/news/rss.xml")
    assert code == 0 and f"active\tpublic\tTown News\t{feed_url}" in listed
    code, out = run(config, "remove", feed_url)
    assert code == 0 and "stopped" in out
    code, listed = run(config, "list")
    assert "stopped\tpublic\tTown News" in listed
    assert run(config, "remove", "https://nowhere.example/rss")[0] == 1


def test_list_says_how_often_each_feed_is_polled(config: Path, feed_server: FeedServer) -> None:
    feed_url = feed_server.route("/rss.xml", Route(make_feed([], title="Town News")))
    assert run(config, "add", feed_url)[0] == 0
    code, listed = run(config, "list")
    assert code == 0 and f"Town News\t{feed_url}\tpolled every 900 s" in listed


def test_a_file_that_is_not_opml_is_a_clear_error(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listing = tmp_path / "feeds.opml"
    listing.write_bytes(b"<html><body>hello</body></html>")
    code, _ = run(config, "import", str(listing))
    assert code == 2 and "not an OPML file" in capsys.readouterr().err


def test_catalog_lists_the_starter_feeds_by_language(config: Path) -> None:
    code, out = run(config, "catalog", "--language", "fr")
    lines = out.splitlines()
    assert code == 0 and len(lines) >= 5
    assert all(line.split("\t")[0] == "fr" for line in lines)
    assert any("Le Monde" in line for line in lines)
