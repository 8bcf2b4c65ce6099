"""TelegramChannel turns every answer of the (fake) Bot API into the outcome the outbox expects."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dtm
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import ExtBot

import bot.telegram.pacing as pacing_module
from bot.deliver.channel import (
    Button,
    ChatGone,
    Migrated,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing, Priority
from bot.telegram.send import TelegramChannel, outcome_for_error
from tests.fakes.botapi import FakeBotApi

ALICE, BOB, CAROL = 42, 43, 44
NEWSROOM = -1001
UNPACED = Pacing(overall_per_second=10_000, private_per_second=10_000, group_per_minute=600_000)


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        for person in (ALICE, BOB, CAROL):
            server.add_chat(person, "private")
        server.add_chat(NEWSROOM, "supergroup", title="Newsroom", is_forum=True)
        yield server


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def paced_bot(
    fake: FakeBotApi, pacing: Pacing, clock: Callable[[], float] = time.monotonic
) -> ExtBot[Priority]:
    """The application's kind of bot: PTB's ExtBot paced by our rate limiter."""
    return fake.ext_bot(PacedRateLimiter(Pacer(pacing, clock=clock)))


@pytest.fixture
async def bot(fake: FakeBotApi, clock: FakeClock) -> AsyncIterator[ExtBot[Priority]]:
    """Pacing out of the way; tests of pacing build their own bot."""
    async with paced_bot(fake, UNPACED, clock) as client:
        yield client


MakeBot = Callable[[Pacing], Awaitable[ExtBot[Priority]]]


@pytest.fixture
async def paced(fake: FakeBotApi) -> AsyncIterator[MakeBot]:
    """Started bots paced as the test asks, shut down afterwards."""
    bots: list[ExtBot[Priority]] = []

    async def make(pacing: Pacing) -> ExtBot[Priority]:
        bots.append(paced_bot(fake, pacing))
        await bots[-1].initialize()
        return bots[-1]

    yield make
    for started in bots:
        await started.shutdown()


@pytest.fixture
def channel(bot: ExtBot[Priority]) -> TelegramChannel:
    return TelegramChannel(bot, timeout_backoff=5.0)


def message(
    chat_id: int = ALICE, text: str = "<b>Ceasefire</b> holds", **fields: object
) -> OutgoingMessage:
    return OutgoingMessage(outbox_id=7, chat_id=chat_id, text=text, **fields)  # type: ignore[arg-type]


# ---- what reaches Telegram --------------------------------------------------------------------


async def test_a_message_is_sent_and_its_id_returned(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    assert await channel.send(message()) == Sent(message_id=1)
    [record] = fake.sent(ALICE)
    assert (record["text"], record["parse_mode"]) == ("<b>Ceasefire</b> holds", "HTML")


async def test_link_previews_follow_the_message(fake: FakeBotApi, channel: TelegramChannel) -> None:
    await channel.send(message(disable_preview=True))
    await channel.send(message(disable_preview=False))
    previews = [r["link_preview_options"] for r in fake.sent(ALICE)]
    assert previews == [{"is_disabled": True}, {"is_disabled": False}]


async def test_a_reply_goes_to_its_message_in_its_topic(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    first = await channel.send(message(NEWSROOM, "Digest", thread_id=5))
    assert isinstance(first, Sent)
    await channel.send(
        message(NEWSROOM, "Update", thread_id=5, reply_to_message_id=first.message_id)
    )
    update = fake.sent(NEWSROOM)[-1]
    assert (update["reply_to_message_id"], update["message_thread_id"]) == (first.message_id, 5)


async def test_a_reply_to_a_vanished_message_is_still_sent(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    outcome = await channel.send(message(reply_to_message_id=999))
    assert isinstance(outcome, Sent)
    assert fake.sent(ALICE)[0]["reply_to_message_id"] is None


async def test_buttons_arrive_as_an_inline_keyboard(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    buttons = ((Button("More", "more:1"), Button("Mute", "mute:1")), (Button("Stop", "stop"),))
    await channel.send(message(buttons=buttons))
    assert fake.sent(ALICE)[0]["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "More", "callback_data": "more:1"},
                {"text": "Mute", "callback_data": "mute:1"},
            ],
            [{"text": "Stop", "callback_data": "stop"}],
        ]
    }


async def test_an_edit_goes_out_as_edit_message_text(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    first = await channel.send(message(text="draft"))
    assert isinstance(first, Sent)
    outcome = await channel.send(message(text="<i>final</i>", edit_message_id=first.message_id))
    assert outcome == Sent(message_id=first.message_id)
    assert len(fake.calls("sendMessage")) == 1
    assert [e["text"] for e in fake.edits(ALICE)] == ["<i>final</i>"]


async def test_an_edit_that_changes_nothing_counts_as_sent(channel: TelegramChannel) -> None:
    first = await channel.send(message(text="same"))
    assert isinstance(first, Sent)
    again = await channel.send(message(text="same", edit_message_id=first.message_id))
    assert again == Sent(message_id=first.message_id)


async def test_an_edit_of_a_missing_message_is_rejected(channel: TelegramChannel) -> None:
    outcome = await channel.send(message(edit_message_id=404))
    assert isinstance(outcome, Rejected)
    assert "message to edit not found" in outcome.reason.lower()


# ---- refusals ---------------------------------------------------------------------------------


async def test_a_blocked_chat_is_gone(fake: FakeBotApi, channel: TelegramChannel) -> None:
    fake.block(ALICE)
    assert await channel.send(message()) == ChatGone("Forbidden: bot was blocked by the user")


async def test_a_kicked_group_is_gone(fake: FakeBotApi, channel: TelegramChannel) -> None:
    fake.kick(NEWSROOM)
    outcome = await channel.send(message(NEWSROOM))
    assert isinstance(outcome, ChatGone)
    assert "kicked" in outcome.reason


async def test_an_unknown_chat_is_gone(channel: TelegramChannel) -> None:
    outcome = await channel.send(message(31337))
    assert isinstance(outcome, ChatGone)
    assert "chat not found" in outcome.reason.lower()


async def test_a_closed_topic_is_gone(fake: FakeBotApi, channel: TelegramChannel) -> None:
    fake.close_topic(NEWSROOM, 5)
    outcome = await channel.send(message(NEWSROOM, thread_id=5))
    assert isinstance(outcome, ChatGone)
    assert "topic_closed" in outcome.reason.lower()


async def test_a_migrated_group_answers_its_new_id(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    fake.add_chat(-5, "group", title="Old group")
    fake.migrate(-5, -1005)
    assert await channel.send(message(-5)) == Migrated(new_chat_id=-1005)


async def test_malformed_html_is_rejected(channel: TelegramChannel) -> None:
    outcome = await channel.send(message(text="<b>unclosed"))
    assert isinstance(outcome, Rejected)
    assert "can't parse entities" in outcome.reason.lower()


async def test_a_message_too_long_to_show_is_rejected(channel: TelegramChannel) -> None:
    outcome = await channel.send(message(text="x" * 4097))
    assert isinstance(outcome, Rejected)
    assert "too long" in outcome.reason.lower()


async def test_an_outage_is_retried_after_the_backoff(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    fake.outage(1, status=502)
    outcome = await channel.send(message())
    assert isinstance(outcome, Retry)
    assert (outcome.after, outcome.chat_wide) == (5.0, False)
    assert "bad gateway" in outcome.reason.lower()


# ---- flood control ----------------------------------------------------------------------------


async def test_a_flood_answer_pauses_the_whole_chat(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    fake.rate_limit_storm(1, retry_after=30, chat_id=ALICE)
    outcome = await channel.send(message())
    assert isinstance(outcome, Retry)
    assert (outcome.after, outcome.chat_wide) == (30.0, True)


async def test_a_paused_chat_is_not_asked_again_during_the_pause(
    fake: FakeBotApi, channel: TelegramChannel, clock: FakeClock
) -> None:
    fake.rate_limit_storm(1, retry_after=30, chat_id=ALICE)
    await channel.send(message())
    clock.now += 10
    outcome = await channel.send(message(text="second"))
    assert outcome == Retry(after=20.0, reason="chat paused by flood control", chat_wide=True)
    assert len(fake.calls("sendMessage")) == 1


async def test_a_pause_leaves_other_chats_alone(fake: FakeBotApi, channel: TelegramChannel) -> None:
    fake.rate_limit_storm(1, retry_after=30, chat_id=ALICE)
    await channel.send(message(ALICE))
    assert await channel.send(message(BOB)) == Sent(message_id=1)


async def test_a_chat_is_sent_to_again_once_its_pause_is_over(
    fake: FakeBotApi, channel: TelegramChannel, clock: FakeClock
) -> None:
    fake.rate_limit_storm(1, retry_after=30, chat_id=ALICE)
    await channel.send(message())
    clock.now += 30
    assert isinstance(await channel.send(message()), Sent)


async def test_concurrent_sends_to_a_paused_chat_all_wait(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    fake.rate_limit_storm(1, retry_after=30, chat_id=ALICE)
    outcomes = await asyncio.gather(*(channel.send(message(text=f"n{i}")) for i in range(3)))
    assert all(isinstance(o, Retry) and o.chat_wide for o in outcomes)
    assert len(fake.calls("sendMessage")) == 1


async def test_sends_to_one_chat_go_out_in_the_order_they_were_made(
    fake: FakeBotApi, channel: TelegramChannel
) -> None:
    await asyncio.gather(*(channel.send(message(text=f"part {i}")) for i in range(5)))
    assert [r["text"] for r in fake.sent(ALICE)] == [f"part {i}" for i in range(5)]


# ---- pacing -----------------------------------------------------------------------------------


def test_pacing_spaces_private_chats_by_a_second_and_groups_by_three() -> None:
    pacing = Pacing()
    assert (pacing.interval(ALICE), pacing.interval(NEWSROOM)) == (1.0, 3.0)


def test_pacing_refuses_a_rate_of_zero() -> None:
    with pytest.raises(ValueError, match="private_per_second must be positive"):
        Pacing(private_per_second=0)


async def test_a_private_chat_has_no_capacity_right_after_a_send(paced: MakeBot) -> None:
    # The overall bucket has no burst (every send waits 1/30 s); this test is about lanes.
    channel = TelegramChannel(await paced(Pacing(overall_per_second=1000)))
    assert channel.has_capacity(ALICE)
    await channel.send(message(ALICE))
    assert not channel.has_capacity(ALICE)
    assert channel.has_capacity(BOB)


async def test_a_private_chat_regains_capacity_one_second_later(
    paced: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    loop_time = [loop.time()]
    monkeypatch.setattr(loop, "time", lambda: loop_time[0])  # the lanes count on the loop's clock
    channel = TelegramChannel(await paced(Pacing()))
    await channel.send(message(ALICE))
    loop_time[0] += 0.9
    assert not channel.has_capacity(ALICE)
    loop_time[0] += 0.1
    assert channel.has_capacity(ALICE)


async def test_a_group_waits_three_seconds_between_messages(
    paced: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop = asyncio.get_running_loop()
    loop_time = [loop.time()]
    monkeypatch.setattr(loop, "time", lambda: loop_time[0])
    channel = TelegramChannel(await paced(Pacing()))
    await channel.send(message(NEWSROOM))
    loop_time[0] += 2.9
    assert not channel.has_capacity(NEWSROOM)
    loop_time[0] += 0.1
    assert channel.has_capacity(NEWSROOM)


async def test_the_overall_rate_binds_across_chats(paced: MakeBot) -> None:
    channel = TelegramChannel(await paced(dataclasses.replace(UNPACED, overall_per_second=1)))
    await channel.send(message(ALICE))
    assert not channel.has_capacity(BOB)


async def test_idle_chat_lanes_are_forgotten_beyond_the_bound(
    paced: MakeBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pacing_module, "_MAX_LANES", 2)
    channel = TelegramChannel(await paced(Pacing(overall_per_second=1000)))  # lanes only
    for chat_id in (ALICE, BOB, CAROL):
        await channel.send(message(chat_id))
    assert channel.has_capacity(ALICE)  # its bucket was dropped: a fresh one is empty
    assert not channel.has_capacity(CAROL)


# ---- logging ----------------------------------------------------------------------------------


async def test_log_lines_name_the_outbox_row_and_the_chat(
    fake: FakeBotApi, channel: TelegramChannel, caplog: pytest.LogCaptureFixture
) -> None:
    fake.block(ALICE)
    with caplog.at_level(logging.INFO, logger="bot.telegram.send"):
        await channel.send(message())
    assert "outbox 7 chat 42: chat gone" in caplog.text


async def test_the_token_never_reaches_a_reason_or_a_log_line(
    bot: ExtBot[Priority],
    channel: TelegramChannel,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def leaky(_message: OutgoingMessage) -> int:
        raise NetworkError(f"cannot reach https://api.telegram.org/bot{bot.token}/sendMessage")

    monkeypatch.setattr(channel, "_deliver", leaky)
    with caplog.at_level(logging.DEBUG, logger="bot.telegram.send"):
        outcome = await channel.send(message())
    assert isinstance(outcome, Retry)
    assert bot.token not in outcome.reason
    assert "<token>" in outcome.reason
    assert bot.token not in caplog.text


# ---- the mapping on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (Forbidden("Forbidden: user is deactivated"), ChatGone),
        (Forbidden("Forbidden: bot can't initiate conversation with a user"), ChatGone),
        (BadRequest("Bad Request: chat not found"), ChatGone),
        (BadRequest("Bad Request: TOPIC_CLOSED"), ChatGone),
        (BadRequest("Bad Request: not enough rights to send text messages to the chat"), ChatGone),
        (BadRequest("Bad Request: have no rights to send a message"), ChatGone),
        (BadRequest("Bad Request: need administrator rights in the channel chat"), ChatGone),
        (BadRequest("Bad Request: CHAT_WRITE_FORBIDDEN"), ChatGone),
        (BadRequest("Bad Request: can't parse entities: Unsupported start tag"), Rejected),
        (BadRequest("Bad Request: message is too long"), Rejected),
        (BadRequest("Bad Request: message text is empty"), Rejected),
        (BadRequest("Bad Request: BUTTON_DATA_INVALID"), Rejected),
        (BadRequest("Bad Request: message is not modified: same content"), Rejected),
        (TimedOut(), Retry),
        (NetworkError("Bad Gateway"), Retry),
        (InvalidToken("Not Found"), Retry),
        (Conflict("Conflict: terminated by other getUpdates request"), Retry),
        (ChatMigrated(-1009), Migrated),
    ],
)
def test_each_refusal_maps_to_its_outcome(error: TelegramError, expected: type) -> None:
    assert type(outcome_for_error(error, editing=False, backoff=5.0)) is expected


def test_not_modified_counts_as_sent_only_for_an_edit() -> None:
    error = BadRequest("Bad Request: message is not modified: same content")
    assert outcome_for_error(error, editing=True, backoff=5.0) == Sent(message_id=None)


@pytest.mark.parametrize("error", [TimedOut(), NetworkError("Bad Gateway"), InvalidToken()])
def test_transient_failures_wait_the_backoff_without_pausing_the_chat(error: TelegramError) -> None:
    outcome: SendOutcome = outcome_for_error(error, editing=False, backoff=12.5)
    assert isinstance(outcome, Retry)
    assert (outcome.after, outcome.chat_wide) == (12.5, False)


def test_retry_after_pauses_the_chat_for_as_long_as_telegram_says() -> None:
    outcome = outcome_for_error(RetryAfter(dtm.timedelta(seconds=3)), editing=False, backoff=5.0)
    assert isinstance(outcome, Retry)
    assert (outcome.after, outcome.chat_wide) == (3.0, True)
