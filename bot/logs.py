"""Log lines that an operator can read or a machine can parse, and that never carry the token.

The bot token reaches log lines by routes we do not control: httpx logs every request URL at
INFO (``.../bot<token>/sendMessage``), and python-telegram-bot's network errors may quote that
URL. So redaction is not left to each call site: one filter sits on the root handler, where the
records of every logger (ours, ``httpx``, ``telegram``, ``apscheduler``) end up, and rewrites the
message, its arguments, the exception text and any ``extra=`` string before anything is written.
Besides the configured secrets it blanks whatever follows ``/bot`` in a Bot API URL, so a token
the process was never told about (a second bot, a test server) is hidden too.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, Literal, TextIO
from urllib.parse import quote

__all__ = ["JsonFormatter", "RedactFilter", "TextFormatter", "configure_logging"]

MASK = "***"

# "/bot" + "<bot id>:<secret>" in a Bot API or file URL; the colon may arrive percent-encoded.
# A token always holds a colon, which keeps ordinary paths such as "/bottle/" untouched.
_BOT_URL_TOKEN = re.compile(r"(?<=/bot)[^/\s:\"'<>]+(?::|%3[Aa])[^/\s\"'<>?#]+")

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD_ATTRS = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "taskName",
}


class RedactFilter(logging.Filter):
    """Replaces every secret, and the token part of Bot API URLs, with ``***`` in a record.

    Attach it to handlers, not loggers: a logger's filters see only records logged on that very
    logger, while a handler's see every record that reaches it, whichever logger made it.
    The record is rewritten in place (message formatted once, arguments dropped), so handlers
    after this one see the redacted text as well.
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        forms: set[str] = set()
        for secret in secrets:
            if secret:
                forms.update({secret, quote(secret, safe="")})
        # Longest first, so a secret that contains another is replaced whole.
        self._secrets = sorted(forms, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return _BOT_URL_TOKEN.sub(MASK, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the format: keep both, redacted
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in _extras(record).items():
            if isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class TextFormatter(logging.Formatter):
    """``2025-12-21 08:00:00,123 INFO bot.ingest: feed 3 (BBC): 2 new articles feed_id=3``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = _extras(record)
        if extras:
            line += " " + " ".join(f"{key}={value}" for key, value in extras.items())
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts (ISO 8601, UTC), level, logger, msg, the ``extra=`` fields,
    and exc_info (the traceback, as text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in _extras(record).items():
            entry.setdefault(key, value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc_info"] = record.exc_text
        if record.stack_info:
            entry["stack_info"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


class _NewsbotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler `configure_logging` installed, so a second call replaces it."""


def configure_logging(
    level: str,
    *,
    fmt: Literal["text", "json"] = "text",
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> None:
    """Send every logger's records to `stream` (stderr by default), redacted, as text or JSON.

    Call it once at the entry point, after the settings are loaded (the token is one of the
    `secrets`). Calling it again replaces the handler it installed; handlers others added to the
    root logger (pytest's, for one) are left alone.
    """
    numeric = logging.getLevelName(level.strip().upper())
    if not isinstance(numeric, int):
        raise ValueError(
            f"unknown log level {level!r}: use DEBUG, INFO, WARNING, ERROR or CRITICAL"
        )
    if fmt not in ("text", "json"):
        raise ValueError(f"unknown log format {fmt!r}: use 'text' or 'json'")
    handler = _NewsbotHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactFilter(secrets))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _NewsbotHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}
