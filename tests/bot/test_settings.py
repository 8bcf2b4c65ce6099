"""Settings: a TOML file, every value overridable from the environment, the token never in files."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "newsbot.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_environment_overrides_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = write(tmp_path, "[summary]\nsentences = 2\n")
    monkeypatch.setenv("NEWSBOT_SUMMARY__SENTENCES", "5")
    assert load_settings(config).summary.sentences == 5


def test_file_value_is_used_without_environment(tmp_path: Path) -> None:
    config = write(tmp_path, '[digest]\ntime = "07:15"\n')
    assert load_settings(config).digest.time == "07:15"


def test_token_comes_from_environment_and_never_shows_in_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-TOKEN")
    settings = load_settings(write(tmp_path, ""))
    assert settings.token == "123456:SECRET-TOKEN"
    assert "SECRET-TOKEN" not in repr(settings)
    assert "SECRET-TOKEN" not in str(settings.model_dump())


def test_token_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN"):
        load_settings(write(tmp_path, 'telegram_bot_token = "123:abc"\n'))


def test_relative_feed_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    config = write(
        tmp_path, '[[feeds]]\nurl = "feeds/a.xml"\n\n[[feeds]]\nurl = "https://x.example/rss"\n'
    )
    feeds = load_settings(config).feeds
    assert feeds[0].url == str(tmp_path / "feeds" / "a.xml")
    assert feeds[1].url == "https://x.example/rss"


def test_unknown_timezone_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Mars/Olympus"):
        load_settings(write(tmp_path, '[digest]\ntimezone = "Mars/Olympus"\n'))


def test_broken_toml_names_the_file(tmp_path: Path) -> None:
    config = write(tmp_path, "[digest\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(config)


def test_default_database_is_sqlite_under_the_data_dir(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, f'data_dir = "{tmp_path / "d"}"\n'))
    assert settings.database == f"sqlite:///{tmp_path / 'd' / 'newsbot.sqlite3'}"


def test_bundled_config_lists_the_sample_feeds() -> None:
    repo = Path(__file__).resolve().parents[2]
    settings = load_settings(repo / "config" / "newsbot.toml")
    assert len(settings.feeds) >= 3
    assert all(Path(feed.url).is_file() for feed in settings.feeds)


def test_search_sources_and_the_catalog_are_read_from_the_file(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "[sources]\nmax_per_chat = 10\ncatalog = 'more/catalog.toml'\n"
        "catalog_languages = ['en']\n\n"
        "[[search_sources]]\nname = 'News search'\n"
        "url = 'https://search.example/rss?q={query}&hl={lang}'\ninterval = 600\n",
    )
    settings = load_settings(config)
    assert settings.sources.max_per_chat == 10
    assert settings.sources.catalog == tmp_path / "more" / "catalog.toml"  # beside the file
    [source] = settings.search_sources
    assert (source.name, source.interval, source.per_minute, source.language) == (
        "News search",
        600,
        30,
        "en",
    )


def test_a_search_source_without_a_query_placeholder_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, "[[search_sources]]\nname = 'S'\nurl = 'https://s.example/rss'\n")
    with pytest.raises(ConfigError, match=r"holds \{query\}"):
        load_settings(config)


def test_search_sources_are_off_by_default(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    assert settings.search_sources == []
    assert settings.sources.catalog_languages == settings.sources.catalog_countries == []


def test_the_adaptive_polling_bounds_come_from_the_file_and_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write(tmp_path, "[poll]\nmin_interval = 120\nmax_interval = 7200\n")
    monkeypatch.setenv("NEWSBOT_POLL__GAP_FRACTION", "0.2")
    poll = load_settings(config).poll
    assert (poll.min_interval, poll.max_interval, poll.gap_fraction) == (120, 7200, 0.2)


def test_a_minimum_interval_above_the_maximum_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, "[poll]\nmin_interval = 600\nmax_interval = 300\n")
    with pytest.raises(ConfigError, match="min_interval"):
        load_settings(config)


def test_the_bundled_config_holds_the_adaptive_polling_defaults() -> None:
    poll = load_settings(Path(__file__).parents[2] / "config" / "newsbot.toml").poll
    defaults = type(poll)()
    fields = ("min_interval", "max_interval", "gap_fraction", "pushed_interval")
    assert [getattr(poll, f) for f in fields] == [getattr(defaults, f) for f in fields]


def test_websub_is_off_until_a_public_url_is_given(tmp_path: Path) -> None:
    assert not load_settings(write(tmp_path, "")).websub.active
    on = 'health_port = 8080\n[websub]\npublic_url = "https://bot.example/websub"\n'
    assert load_settings(write(tmp_path, on)).websub.active


def test_websub_without_a_health_port_to_serve_callbacks_is_refused(tmp_path: Path) -> None:
    config = write(tmp_path, '[websub]\npublic_url = "https://bot.example/websub"\n')
    with pytest.raises(ConfigError, match="health_port"):
        load_settings(config)


def test_websub_settings_come_from_the_environment_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSBOT_HEALTH_PORT", "8080")
    monkeypatch.setenv("NEWSBOT_WEBSUB__PUBLIC_URL", "https://bot.example/websub")
    monkeypatch.setenv("NEWSBOT_WEBSUB__LEASE_SECONDS", "3600")
    websub = load_settings(write(tmp_path, "")).websub
    assert (websub.active, websub.lease_seconds) == (True, 3600)
