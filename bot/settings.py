"""One settings object, built at the entry point and passed down (STYLE habit 6).

Precedence, highest first: environment variables, the TOML file, the defaults below. Nested
settings take `__` in their variable name: `NEWSBOT_SUMMARY__SENTENCES=5`. The bot token is a
secret: it is read only from the environment (`TELEGRAM_BOT_TOKEN`), refused in the TOML file,
and kept as a `SecretStr` so it never shows in a repr or a log line.
"""

from __future__ import annotations

import os
import re
import secrets
import tomllib
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from bot.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG",
    "ConfigError",
    "DeliverySettings",
    "DigestSettings",
    "FeedConfig",
    "LimitSettings",
    "PollSettings",
    "ScheduleSettings",
    "SearchSourceConfig",
    "Settings",
    "SourceSettings",
    "SummarySettings",
    "TelegramSettings",
    "WebSubSettings",
    "find_config",
    "load_settings",
]

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = Path("config") / "newsbot.toml"
SECRET_KEYS = {
    "telegram_bot_token",
    "TELEGRAM_BOT_TOKEN",
    "token",
    "bot_token",
    "telegram_webhook_secret",
    "TELEGRAM_WEBHOOK_SECRET",
    "webhook_secret",
    "secret_token",
}
# Telegram's rule for a webhook's secret token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
WEBHOOK_SECRET = r"^[A-Za-z0-9_-]{1,256}$"


class FeedConfig(BaseModel):
    """A feed to watch. `url` is http(s), `file:` or a path relative to the config file."""

    url: str
    name: str | None = None
    interval: int = Field(default=900, ge=10, description="seconds between polls")


class SearchSourceConfig(BaseModel):
    """A news-search feed polled once for every distinct active query: `url` is a template
    where `{query}` becomes the query (URL-encoded) and `{lang}` the source's `language`."""

    name: str = Field(min_length=1, max_length=100)
    url: str
    language: str = Field(default="en", pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")
    interval: int = Field(default=900, ge=60, description="seconds between polls of one query")
    per_minute: int = Field(default=30, ge=1, description="requests a minute, all queries")

    @field_validator("url")
    @classmethod
    def _has_query(cls, value: str) -> str:
        if "{query}" not in value or not value.startswith(("http://", "https://")):
            raise ValueError("a search source's url is http(s) and holds {query}")
        return value


class SourceSettings(BaseModel):
    """Chats' own sources and the starter catalog."""

    max_per_chat: int = Field(default=50, ge=1, description="sources one chat may add")
    catalog: Path = Field(
        default=PACKAGE_ROOT / "config" / "catalog.toml",
        description="the starter catalog; a relative path is beside the config file",
    )
    catalog_languages: list[str] = Field(
        default_factory=list, description="poll the catalog's feeds in these languages"
    )
    catalog_countries: list[str] = Field(
        default_factory=list, description="poll the catalog's feeds of these countries"
    )
    catalog_interval: int = Field(default=900, ge=10, description="poll interval of those, s")


class PollSettings(BaseModel):
    timeout: float = Field(default=20.0, gt=0, description="seconds per HTTP request")
    max_bytes: int = Field(default=5_000_000, gt=0, description="largest body read")
    backoff_max: int = Field(default=6 * 3600, description="longest wait after failures, s")
    disable_after: int = Field(default=50, description="consecutive failures before pausing a feed")
    fetch_pages: bool = Field(default=True, description="fetch article pages for teaser feeds")
    teaser_words: int = Field(default=120, description="entries shorter than this are teasers")
    user_agent: str = "newsbot/0.1 (+https://github.com/newsbot)"
    concurrency: int = Field(default=8, ge=1)
    host_concurrency: int = Field(default=2, ge=1, description="requests at once to one host")
    host_interval: float = Field(
        default=1.0, ge=0, description="seconds between the starts of two requests to one host"
    )
    min_interval: int = Field(default=60, ge=1, description="shortest wait between two polls, s")
    max_interval: int = Field(default=4 * 3600, ge=1, description="longest wait between polls, s")
    gap_fraction: float = Field(default=0.125, gt=0, le=1, description="part of the median gap")
    pushed_interval: int = Field(default=3600, ge=1, description="safety poll of a pushed feed, s")
    # requests a day, all feeds together: unset, what polling each at its own configured interval
    # costs (the fixed schedule); a number, each at that interval; 0, no budget (gap_fraction)
    budget_interval: float | None = Field(default=None, ge=0, description="daily budget, s")
    alert_max_age: int = Field(
        default=48 * 3600, description="entries published longer ago than this (s) raise no alert"
    )
    story_window: int = Field(
        default=3 * 86400, description="how far back (s) a new article may join an older story"
    )

    @model_validator(mode="after")
    def _bounds_in_order(self) -> PollSettings:
        if self.min_interval > self.max_interval:
            raise ValueError("poll.min_interval must not exceed poll.max_interval")
        return self


class SummarySettings(BaseModel):
    sentences: int = Field(default=3, ge=1, le=10)
    method: str = "default"
    max_words: int | None = Field(default=None, ge=10)


class DigestSettings(BaseModel):
    time: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "UTC"
    max_items: int = Field(default=10, ge=1, le=50)
    top_stories: int = Field(default=5, ge=0, le=50)


class LimitSettings(BaseModel):
    max_queries_per_chat: int = Field(default=25, ge=1)
    max_query_length: int = Field(default=200, ge=10)
    max_query_terms: int = Field(default=20, ge=1)


class DeliverySettings(BaseModel):
    overall_per_second: float = 30.0
    private_per_second: float = 1.0
    group_per_minute: float = 20.0
    headroom: float = Field(
        default=0.03, ge=0, lt=0.5, description="pace this fraction below each limit (jitter)"
    )
    batch: int = Field(default=200, ge=1, description="outbox rows sent per pass")
    chats_per_pass: int = Field(default=100, ge=1, description="chats a worker claims per pass")
    claim_seconds: float = Field(default=300.0, gt=0, description="lease on a claimed chat")
    retry_backoff: float = Field(default=5.0, gt=0)
    max_in_flight: int = Field(
        default=1,
        ge=1,
        description="sends awaiting Telegram's answer at once; a crash repeats at most this many",
    )


class ScheduleSettings(BaseModel):
    """Seconds between the service's recurring passes; 0 switches that job off."""

    poll_interval: float | None = Field(default=15.0, ge=0, description="due-feed checks")
    digest_interval: float | None = Field(default=30.0, ge=0, description="due-digest checks")
    deliver_interval: float | None = Field(default=1.0, ge=0, description="outbox passes")
    websub_interval: float | None = Field(
        default=30.0, ge=0, description="WebSub (re)subscriptions and renewals"
    )


class TelegramSettings(BaseModel):
    allow_private_urls: bool = Field(
        default=False, description="let /summary fetch private, loopback and link-local hosts"
    )
    page_max_bytes: int = Field(default=3_000_000, gt=0, description="largest page /summary reads")
    page_timeout: float = Field(default=15.0, gt=0)
    latest_max: int = Field(default=10, ge=1, le=30)
    poll_timeout: int = Field(default=30, ge=0, description="getUpdates long-polling timeout, s")
    webhook_url: str | None = Field(
        default=None, description="receive updates by webhook at this public HTTPS URL"
    )
    webhook_listen: str = Field(default="0.0.0.0", description="address the webhook server binds")
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_path: str | None = Field(
        default=None, description="path the webhook server serves (default: the URL's path)"
    )

    @property
    def webhook_route(self) -> str:
        """The path our webhook server answers on."""
        if self.webhook_path is not None:
            return self.webhook_path.strip("/")
        return urlsplit(self.webhook_url or "").path.strip("/") or "telegram"


class WebSubSettings(BaseModel):
    """Push from publishers' WebSub hubs (`bot.websub`): callbacks served on the health port at
    `path` (default: public_url's path), reached by hubs through `public_url` (a reverse proxy).
    Off unless `public_url` is set; failed attempts back off, and after `max_failures` the feed
    is polled normally again until `retry_failed_after` s have passed."""

    enabled: bool | None = None
    public_url: str | None = Field(default=None, pattern=r"^https?://")
    path: str | None = None
    lease_seconds: int = Field(default=10 * 86400, ge=60, description="lease asked of hubs")
    renew_before: float = Field(default=0.15, gt=0, lt=1, description="of the lease, left")
    verify_timeout: float = Field(default=600.0, gt=0, description="s for a hub to verify")
    max_failures: int = Field(default=5, ge=1)
    retry_failed_after: int = Field(default=86400, ge=60)

    @property
    def active(self) -> bool:
        return self.enabled if self.enabled is not None else self.public_url is not None


class DemoSettings(BaseModel):
    chat_id: int = 1
    timezone: str = "Europe/Berlin"
    queries: list[str] = Field(default_factory=lambda: ["ceasefire", '"peace plan"'])
    pages: Path = Field(
        default=Path("samples/pages"), description="sample article pages, relative to the config"
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSBOT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Path("data")
    database_url: str | None = Field(
        default=None, description="any SQLAlchemy URL; default: SQLite file in data_dir"
    )
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    health_port: int | None = Field(default=None, description="serve /healthz and /metrics")
    health_host: str = "127.0.0.1"
    admins: list[int] = Field(default_factory=list)
    telegram_bot_token: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "NEWSBOT_TELEGRAM_BOT_TOKEN"),
    )
    telegram_webhook_secret: SecretStr = Field(
        default_factory=lambda: SecretStr(secrets.token_urlsafe(32)),
        validation_alias=AliasChoices("TELEGRAM_WEBHOOK_SECRET", "NEWSBOT_TELEGRAM_WEBHOOK_SECRET"),
        description="checked on every webhook request; generated at start when not set",
    )
    telegram_api_base_url: str = Field(
        default="https://api.telegram.org/bot",
        validation_alias=AliasChoices(
            "TELEGRAM_API_BASE_URL", "NEWSBOT_TELEGRAM_API_BASE_URL", "telegram_api_base_url"
        ),
    )
    channel: Literal["auto", "console", "telegram"] = "auto"
    role: Literal["all", "ingest", "deliver"] = "all"
    worker_name: str | None = Field(default=None, description="default: host:pid")
    feeds: list[FeedConfig] = Field(default_factory=list)
    search_sources: list[SearchSourceConfig] = Field(default_factory=list)
    sources: SourceSettings = Field(default_factory=SourceSettings)
    poll: PollSettings = Field(default_factory=PollSettings)
    summary: SummarySettings = Field(default_factory=SummarySettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    schedule: ScheduleSettings = Field(default_factory=ScheduleSettings)
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    websub: WebSubSettings = Field(default_factory=WebSubSettings)
    demo: DemoSettings = Field(default_factory=DemoSettings)
    config_path: Path | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment beats the file (init carries the TOML contents), as operators expect.
        return (env_settings, init_settings)

    @field_validator("digest")
    @classmethod
    def _known_timezone(cls, value: DigestSettings) -> DigestSettings:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown digest timezone {value.timezone!r}") from exc
        return value

    @model_validator(mode="after")
    def _websub_has_a_callback(self) -> Settings:
        if self.websub.active and (self.websub.public_url is None or self.health_port is None):
            raise ValueError(
                "websub needs websub.public_url and health_port: hubs call back on the health "
                "port at websub.path, through public_url"
            )
        return self

    @property
    def database(self) -> str:
        """The SQLAlchemy URL in force: the configured one, or SQLite under `data_dir`."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'newsbot.sqlite3').as_posix()}"

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def webhook_secret(self) -> str:
        return self.telegram_webhook_secret.get_secret_value()

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _webhook_secret_telegram_accepts(cls, value: SecretStr) -> SecretStr:
        if not re.match(WEBHOOK_SECRET, value.get_secret_value()):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        return value


def find_config(explicit: Path | None = None) -> Path | None:
    """The TOML file to read: --config, then NEWSBOT_CONFIG, then ./config/newsbot.toml, then the
    one beside the installed package (an editable install from a clone)."""
    if explicit is not None:
        return explicit
    env = os.environ.get("NEWSBOT_CONFIG")
    if env:
        return Path(env)
    for candidate in (Path.cwd() / DEFAULT_CONFIG, PACKAGE_ROOT / DEFAULT_CONFIG):
        if candidate.is_file():
            return candidate
    return None


def _resolve_feed_url(url: str, base: Path) -> str:
    """Relative paths in the file mean files beside it, so the bundled demo runs from anywhere."""
    if "://" in url or url.startswith("file:"):
        return url
    path = Path(url)
    return str(path if path.is_absolute() else (base / path).resolve())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc
    sections = [v for v in data.values() if isinstance(v, dict)]
    leaked = SECRET_KEYS & (data.keys() | {k for section in sections for k in section})
    if leaked:
        raise ConfigError(
            f"{path} holds {sorted(leaked)}: secrets (the bot token, the webhook secret) are "
            "read only from the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET); "
            "remove them from the file"
        )
    base = path.resolve().parent
    for feed in data.get("feeds", []):
        if isinstance(feed, dict) and isinstance(feed.get("url"), str):
            feed["url"] = _resolve_feed_url(feed["url"], base)
    sources = data.get("sources")
    if isinstance(sources, dict) and isinstance(sources.get("catalog"), str):
        catalog = Path(sources["catalog"])
        sources["catalog"] = catalog if catalog.is_absolute() else base / catalog
    return data


def load_settings(config: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings from the TOML file (if any), the environment and `overrides`."""
    path = find_config(config)
    data = _read_toml(path) if path else {}
    data["config_path"] = path
    try:
        settings = Settings(**data)
    except ValueError as exc:
        raise ConfigError(f"invalid configuration ({path or 'defaults'}): {exc}") from exc
    return settings.model_copy(update=overrides) if overrides else settings
