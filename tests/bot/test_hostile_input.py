"""Hostile input never crashes a handler: whatever a user types gets an answer, and whatever a
feed or page puts in a title reaches the chat as literal text.

`parse_query` on any text is already a property in tests/bot/match/test_query.py; here are the
other parsers a user's text reaches (`parse_timezone`, `set_digest_time`) and the whole front
end. The front-end properties run through the real application (`bot_harness`): one harness per
test, shared by all of Hypothesis's examples (pytest-asyncio runs an async `@given` test on the
fixture's event loop, so the bot keeps serving between examples; hence the suppressed
`function_scoped_fixture` health check). Every example writes to the same chat and waits for
the bot's answer there, so the examples are independent of each other's leftovers.
"""

from __future__ import annotations

import functools
import json
import re
import zoneinfo
from html import escape
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.chat.input import parse_timezone
from bot.chat.prefs import set_digest_time
from bot.clock import next_digest_at
from bot.errors import ChatError
from bot.store import Article, Chat, Story
from tests.fakes import NOW
from tests.fakes.feeds import Route, make_feed, make_page
from tests.fakes.harness import Harness

READER = 4242
APOLOGY = "Sorry, something went wrong"
MARKER = "Zebracorn"  # the word the reader subscribes to; it is in every hostile title

# --- what users type ------------------------------------------------------------------------

ZONES = sorted(zoneinfo.available_timezones())
ZONE_FOLDERS = sorted({zone.rsplit("/", 1)[0] for zone in ZONES if "/" in zone})
ANY_DIGITS = st.characters(categories=["Nd", "No"])  # 0-9 of every script, superscripts, ...
OFFSETS = st.builds(
    "{}{}{}{}".format,
    st.sampled_from(["", "UTC", "GMT", "utc ", " "]),
    st.sampled_from("+-"),
    st.text(ANY_DIGITS, min_size=1, max_size=3),
    st.one_of(st.just(""), st.text(ANY_DIGITS, max_size=3).map(":{}".format)),
)
ZONE_LIKE = st.one_of(
    st.sampled_from(ZONES + ZONE_FOLDERS),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz_/.-+0123456789", max_size=300),
)
CLOCK_LIKE = st.builds(
    "{}{}{}".format,
    st.text(ANY_DIGITS, max_size=3),
    st.sampled_from([":", ".", ": ", "::", ""]),
    st.text(ANY_DIGITS, max_size=3),
)
# Telegram takes messages of up to 4096 characters; a repeated character makes long ones cheap.
LONG = st.builds(lambda char, n: char * n, st.characters(codec="utf-8"), st.integers(1000, 4000))
TEXT = st.text(max_size=2000)
ARGUMENT = st.one_of(st.text(max_size=300), OFFSETS, ZONE_LIKE, CLOCK_LIKE, LONG)

MARKUP = ["<b>", "</b>", "</a>", "<a href='x'>", "<script>", "</script>", "&", "&amp;", "&lt;"]
MARKUP += ["<", ">", '"', "'", "&#", "&#0;", "<tg-spoiler>", "<br/>", "<!--", "]]>", "x"]
MARKUP_TITLE = st.lists(st.one_of(st.sampled_from(MARKUP), st.text(max_size=8)), max_size=10)


# --- the parsers behind /timezone and /digesttime -------------------------------------------


@given(st.one_of(TEXT, OFFSETS, ZONE_LIKE))
@example("America")  # a folder of the time zone database, not a zone
@example("+²")  # a digit to str.isdigit(), not to int()
@example("a" * 300)  # longer than a file name may be
def test_any_timezone_text_is_a_zone_or_a_chat_error(text: str) -> None:
    try:
        zone = parse_timezone(text)
    except ChatError as error:
        assert str(error)
        return
    assert next_digest_at(NOW, zone, "08:00") > NOW  # the zone works where it is used


@given(st.one_of(TEXT, CLOCK_LIKE))
@example("²:00")
def test_any_digest_time_text_is_a_time_or_a_chat_error(text: str) -> None:
    chat = Chat(id=1, timezone="Europe/Kyiv", digest_time="08:00")
    try:
        value = set_digest_time(chat, text, NOW)
    except ChatError as error:
        assert str(error)
        return
    assert re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value)
    assert chat.next_digest_at is not None and chat.next_digest_at > NOW


# --- the whole front end --------------------------------------------------------------------


def no_apology(messages: list[dict[str, Any]]) -> None:
    """None of these is the error handler's apology (which means a handler raised)."""
    assert not [m["visible_text"] for m in messages if APOLOGY in m["visible_text"]]


# One harness serves every example of a test (see the module's docstring).
FRONT_END = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


COMMANDS = ["/subscribe", "/timezone", "/digesttime", "/unsubscribe", "/latest", "/test"]


@pytest.mark.parametrize("command", COMMANDS)
@FRONT_END
@given(argument=ARGUMENT)
@example(argument="²")  # str.isdigit() says yes, int() says no
@example(argument="a" * 4080)  # echoed back, the answer would pass Telegram's 4096 limit
async def test_any_text_after_a_command_gets_an_answer_not_an_apology(
    bot_harness: Harness, command: str, argument: str
) -> None:
    [answer] = await bot_harness.say(READER, f"{command} {argument}")
    assert APOLOGY not in answer["visible_text"]


# /summary fetches what it is given: nothing with "://" in it, or Hypothesis would make us
# resolve made-up host names. The hostile addresses below stay on this machine.
@FRONT_END
@given(argument=ARGUMENT.filter(lambda text: "://" not in text))
@example(argument="\x00")
@example(argument="http://[::1")
@example(argument="http://127.0.0.1:99999/")
@example(argument="http://127.0.0.1\x00/")
async def test_any_text_after_summary_gets_an_answer_not_an_apology(
    bot_harness: Harness, argument: str
) -> None:
    [answer] = await bot_harness.say(READER, f"/summary {argument}")
    assert APOLOGY not in answer["visible_text"]


@FRONT_END
@given(argument=st.one_of(st.text(min_size=1, max_size=300), LONG))
async def test_any_plain_text_gets_an_answer_not_an_apology(
    bot_harness: Harness, argument: str
) -> None:
    if not argument.strip():  # Telegram delivers no empty or blank messages
        argument = f"{argument}?"
    [answer] = await bot_harness.say(READER, argument)
    assert APOLOGY not in answer["visible_text"]


# --- markup in what feeds and pages publish -------------------------------------------------


@functools.cache
def articles(shared_dir: Path) -> list[str]:
    """BBC article texts long enough that the pipeline keeps the feed's text (no page fetch)."""
    path = shared_dir / "data" / "summarization" / "bbc_news_summary" / "bbc_news_summary.jsonl"
    with path.open(encoding="utf-8") as lines:
        texts = [json.loads(line)["text"] for line in lines]
    return [text for text in texts if len(text.split()) >= 150]


async def publish(h: Harness, title: str, text: str) -> tuple[str, list[dict[str, Any]]]:
    """A feed publishes an entry with `title` (as it appears in the XML, escaped once by the
    feed builder) to a subscribed reader; returns the title the story got, and what the reader
    was sent, the alert last."""
    before = len(h.fake.sent(READER))
    guid = f"hostile-{len(h.fake.sent())}"  # the count grows: a new entry and story each time
    entry = {
        "guid": guid,
        "title": title,
        "link": h.feeds.url(f"/news/{guid}"),
        "content": text,
        "published": h.clock.now(),
    }
    await h.say(READER, f"/subscribe {MARKER}")
    h.feeds.route("/one.xml", Route(make_feed([entry])))
    h.clock.advance(minutes=2)  # the feeds' interval is one minute: due again
    await h.poll()
    messages = (await h.wait_sent(READER, before + 2))[before:]
    with h.services.db.session() as session:
        story_title = session.scalar(
            select(Story.title)
            .join(Article, Article.story_id == Story.id)
            .where(Article.guid == guid)
        )
    return story_title, messages


@settings(FRONT_END, max_examples=20)  # each example is a poll: slower
@given(parts=MARKUP_TITLE)
async def test_any_markup_in_a_feed_title_reaches_the_chat_as_literal_text(
    bot_harness: Harness, shared_dir: Path, parts: list[str]
) -> None:
    h = bot_harness
    texts = articles(shared_dir)
    text = texts[len(h.fake.sent()) % len(texts)]
    # Escaped for the XML by make_feed and once more here: the outlet's title *is* the markup.
    title, messages = await publish(h, escape(f"{MARKER} {' '.join(parts)}"), text)
    no_apology(messages)
    assert title in messages[-1]["visible_text"]  # accepted by the strict parser, shown as is


HOSTILE = f"<b>{MARKER}</b> & </a> <script>alert(1)</script> AT&T &amp; <tg-spoiler>"


async def test_markup_in_a_feed_title_is_shown_literally_in_the_alert(
    bot_harness: Harness, shared_dir: Path
) -> None:
    text = f"<p>{escape(HOSTILE)}.</p><p>{escape(articles(shared_dir)[0])}</p>"
    title, messages = await publish(bot_harness, escape(HOSTILE), text)
    assert title == HOSTILE
    assert HOSTILE in messages[-1]["visible_text"]


async def test_markup_in_a_page_title_is_shown_literally_by_summary(
    bot_harness: Harness, shared_dir: Path
) -> None:
    page = make_page(HOSTILE, articles(shared_dir)[1].split("\n\n"))
    url = bot_harness.feeds.route("/page.html", Route(page, content_type="text/html"))
    [answer] = await bot_harness.say(READER, f"/summary {url}")
    assert HOSTILE in answer["visible_text"]
