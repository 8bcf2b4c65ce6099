"""Log output: redacted for every logger, JSON when asked, one handler however often configured."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from bot.logs import RedactFilter, configure_logging

TOKEN = "123456:AAH-very_Secret-TOKEN-value"


@pytest.fixture(autouse=True)
def root_logger() -> Iterator[logging.Logger]:
    """Each test configures the root logger; put back what was there (pytest's handlers too)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


def test_token_in_message_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], stream=out)
    logging.getLogger("bot.test").info(f"calling with {TOKEN} now")
    assert TOKEN not in out.getvalue()
    assert "calling with *** now" in out.getvalue()


def test_token_in_args_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], stream=out)
    logging.getLogger("bot.test").warning("token is %s, again %r", TOKEN, TOKEN)
    assert TOKEN not in out.getvalue()
    assert "token is ***, again '***'" in out.getvalue()


def test_token_in_exception_text_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], stream=out)
    try:
        raise RuntimeError(f"connect to https://example.org/{TOKEN}/x failed")
    except RuntimeError:
        logging.getLogger("telegram.ext.Updater").exception("polling failed")
    text = out.getvalue()
    assert "RuntimeError: connect to https://example.org/***/x failed" in text
    assert TOKEN not in text


def test_percent_encoded_token_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", secrets=[TOKEN], stream=out)
    logging.getLogger("bot.test").info("GET /x?t=123456%3AAAH-very_Secret-TOKEN-value")
    assert "very_Secret" not in out.getvalue()


def test_bot_api_url_is_redacted_without_the_token_configured(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d %s"',
        "POST",
        "http://127.0.0.1:1/bot123:SECRET/getMe",
        "HTTP/1.1",
        200,
        "OK",
    )
    text = out.getvalue()
    assert "SECRET" not in text
    assert 'HTTP Request: POST http://127.0.0.1:1/bot***/getMe "HTTP/1.1 200 OK"' in text


def test_a_real_httpx_request_line_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={"ok": True}))
    with httpx.Client(transport=transport) as client:
        client.post(f"https://api.telegram.org/bot{TOKEN}/sendMessage")
    assert "HTTP Request: POST https://api.telegram.org/bot***/sendMessage" in out.getvalue()
    assert "very_Secret" not in out.getvalue()


def test_bot_file_url_is_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    logging.getLogger("httpx").info("GET https://api.telegram.org/file/bot42:xyz_ABC-9/doc.pdf")
    assert "https://api.telegram.org/file/bot***/doc.pdf" in out.getvalue()


def test_paths_without_a_token_are_left_alone() -> None:
    redact = RedactFilter().redact
    assert redact("GET /bottle/42 and /bot/getMe") == "GET /bottle/42 and /bot/getMe"


def test_records_of_every_library_logger_are_redacted(out: io.StringIO) -> None:
    configure_logging("DEBUG", secrets=[TOKEN], stream=out)
    for name in ("httpx", "telegram.ext.Application", "apscheduler.scheduler", "bot.ingest"):
        logging.getLogger(name).info("%s sees %s", name, TOKEN)
    lines = out.getvalue().splitlines()
    assert len(lines) == 4
    assert all(line.endswith("sees ***") for line in lines)


def test_string_extra_fields_are_redacted(out: io.StringIO) -> None:
    configure_logging("INFO", fmt="json", secrets=[TOKEN], stream=out)
    logging.getLogger("bot.test").info("sending", extra={"url": f"https://x/bot{TOKEN}/send"})
    assert json.loads(out.getvalue())["url"] == "https://x/bot***/send"


def test_json_mode_emits_one_object_per_line_with_the_extra_fields(out: io.StringIO) -> None:
    configure_logging("INFO", fmt="json", stream=out)
    log = logging.getLogger("bot.ingest")
    log.info("feed %s: %d new", 3, 2, extra={"feed_id": 3, "story_id": 17, "chat_id": -100})
    log.warning("second line")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["level"] == "INFO"
    assert first["logger"] == "bot.ingest"
    assert first["msg"] == "feed 3: 2 new"
    assert (first["feed_id"], first["story_id"], first["chat_id"]) == (3, 17, -100)
    assert first["ts"].endswith("+00:00")
    assert second["msg"] == "second line"
    assert "feed_id" not in second


def test_json_mode_carries_the_exception_as_text(out: io.StringIO) -> None:
    configure_logging("INFO", fmt="json", secrets=[TOKEN], stream=out)
    try:
        raise ValueError(f"bad token {TOKEN}")
    except ValueError:
        logging.getLogger("bot.test").exception("failed", extra={"chat_id": 5})
    entry = json.loads(out.getvalue())
    assert entry["chat_id"] == 5
    assert "Traceback" in entry["exc_info"]
    assert entry["exc_info"].endswith("ValueError: bad token ***")


def test_text_mode_is_one_readable_line_with_the_extra_fields(out: io.StringIO) -> None:
    configure_logging("INFO", stream=out)
    logging.getLogger("bot.deliver").info("sent", extra={"chat_id": 7, "story_id": 9})
    (line,) = out.getvalue().splitlines()
    assert line.endswith(" INFO bot.deliver: sent chat_id=7 story_id=9")


def test_level_filters_records(out: io.StringIO) -> None:
    configure_logging("warning", stream=out)
    logging.getLogger("bot.test").info("quiet")
    logging.getLogger("bot.test").warning("loud")
    assert out.getvalue().splitlines()[0].endswith("loud")
    assert "quiet" not in out.getvalue()


def test_unknown_level_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="use DEBUG, INFO"):
        configure_logging("LOUD")


def test_configuring_twice_keeps_one_handler(out: io.StringIO, root_logger: logging.Logger) -> None:
    before = len(root_logger.handlers)
    configure_logging("INFO", stream=io.StringIO())
    configure_logging("INFO", stream=out)
    assert len(root_logger.handlers) == before + 1
    logging.getLogger("bot.test").info("once")
    assert out.getvalue().count("once") == 1
