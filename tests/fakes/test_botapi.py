"""The fake Bot API answers the real python-telegram-bot client the way Telegram does."""

from __future__ import annotations

import asyncio
import datetime as dtm
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import telegram
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LinkPreviewOptions
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import ApplicationBuilder, CommandHandler, ContextTypes

from tests.fakes.botapi import BOT_ID, BOT_USERNAME, EntityParseError, FakeBotApi, parse_html

ALICE = 42
NEWSROOM = -1001


@pytest.fixture
def fake() -> Iterator[FakeBotApi]:
    with FakeBotApi() as server:
        server.add_chat(ALICE, "private", title="Alice")
        server.add_chat(NEWSROOM, "supergroup", title="Newsroom", admins=(7,), is_forum=True)
        yield server


@pytest.fixture
async def bot(fake: FakeBotApi) -> AsyncIterator[telegram.Bot]:
    async with fake.bot() as client:
        yield client


class FakeClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# ---- identity and routing ---------------------------------------------------------------------


async def test_get_me_names_the_test_bot(bot: telegram.Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (BOT_ID, BOT_USERNAME, True)


async def test_a_wrong_token_is_unauthorized(fake: FakeBotApi) -> None:
    stranger = telegram.Bot("1:wrong", base_url=fake.base_url)
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with stranger:
            pass


def test_an_unknown_method_answers_404_in_telegrams_shape(fake: FakeBotApi) -> None:
    with httpx.Client() as client:
        answer = client.post(f"{fake.base_url}{fake.token}/frobnicate", data={"x": "1"})
    assert answer.status_code == 404
    assert answer.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


# ---- sendMessage ------------------------------------------------------------------------------


async def test_send_message_returns_the_message_as_the_chat_sees_it(bot: telegram.Bot) -> None:
    message = await bot.send_message(ALICE, "<b>Ceasefire</b> &amp; talks", parse_mode="HTML")
    assert message.text == "Ceasefire & talks"
    assert message.chat.id == ALICE
    assert message.from_user is not None and message.from_user.id == BOT_ID
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 9)]


async def test_message_ids_increase_per_chat(bot: telegram.Bot) -> None:
    first = await bot.send_message(ALICE, "one")
    second = await bot.send_message(ALICE, "two")
    elsewhere = await bot.send_message(NEWSROOM, "one")
    assert (first.message_id, second.message_id, elsewhere.message_id) == (1, 2, 1)


async def test_sent_records_every_option_the_bot_asked_for(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:1")]])
    await bot.send_message(
        NEWSROOM,
        "<i>Digest</i>",
        parse_mode="HTML",
        message_thread_id=5,
        reply_markup=keyboard,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
    [record] = fake.sent(NEWSROOM)
    assert record["text"] == "<i>Digest</i>"
    assert record["visible_text"] == "Digest"
    assert record["parse_mode"] == "HTML"
    assert record["message_thread_id"] == 5
    assert record["link_preview_options"] == {"is_disabled": True}
    assert record["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more:1"}]]
    }


@pytest.mark.parametrize(
    ("html", "complaint"),
    [
        ("<b>unclosed", 'find end tag corresponding to start tag "b"'),
        ("<div>block</div>", 'unsupported start tag "div" at byte offset 0'),
        ("<b>bold</i>", 'expected "</b>", found "</i>"'),
        ("2 < 3", 'unsupported start tag "" at byte offset 2'),
        ("AT&T", 'unescaped "&" at byte offset 2'),
    ],
)
async def test_malformed_html_is_refused_as_unparseable_entities(
    bot: telegram.Bot, html: str, complaint: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(ALICE, html, parse_mode="HTML")
    assert "can't parse entities" in refused.value.message.lower()
    assert complaint in refused.value.message.lower()


async def test_more_than_4096_visible_characters_is_too_long(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE, "x" * 4097)


async def test_4096_visible_characters_pass_although_tags_make_the_raw_text_longer(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    html = "<b>" + "x" * 2000 + "</b>" + "&amp;" * 96 + "<i>" + "y" * 2000 + "</i>"
    assert len(html) > 4096
    message = await bot.send_message(ALICE, html, parse_mode="HTML")
    assert len(message.text) == 4096
    assert fake.sent(ALICE)[0]["visible_text"] == message.text


async def test_text_that_is_empty_once_parsed_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(ALICE, "<b> </b>", parse_mode="HTML")


async def test_an_unknown_chat_is_not_found(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(12345, "hello?")


async def test_a_reply_to_an_unknown_message_is_refused(bot: telegram.Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(ALICE, "re", reply_parameters=telegram.ReplyParameters(77))


async def test_a_reply_to_an_unknown_message_may_go_out_without_the_reply(
    bot: telegram.Bot,
) -> None:
    reply = telegram.ReplyParameters(77, allow_sending_without_reply=True)
    message = await bot.send_message(ALICE, "re", reply_parameters=reply)
    assert message.reply_to_message is None


async def test_a_reply_quotes_the_message_it_answers(bot: telegram.Bot) -> None:
    original = await bot.send_message(ALICE, "first")
    reply = await bot.send_message(
        ALICE, "second", reply_parameters=telegram.ReplyParameters(original.message_id)
    )
    assert reply.reply_to_message is not None
    assert reply.reply_to_message.text == "first"


async def test_a_closed_topic_is_refused(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.close_topic(NEWSROOM, 5)
    with pytest.raises(BadRequest, match=r"(?i)topic_closed"):
        await bot.send_message(NEWSROOM, "news", message_thread_id=5)


# ---- refusals the test provokes ----------------------------------------------------------------


async def test_a_blocked_chat_is_forbidden(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.block(ALICE)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE, "still there?")


async def test_a_kicked_group_is_forbidden(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.kick(NEWSROOM)
    with pytest.raises(Forbidden, match="bot was kicked from the supergroup chat"):
        await bot.send_message(NEWSROOM, "hello?")


async def test_a_storm_answers_retry_after_then_passes(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.rate_limit_storm(1, retry_after=7)
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(ALICE, "one")
    assert flood.value.retry_after == dtm.timedelta(seconds=7)
    assert (await bot.send_message(ALICE, "two")).text == "two"


async def test_a_storm_for_one_chat_leaves_the_others_alone(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.rate_limit_storm(5, chat_id=ALICE)
    message = await bot.send_message(NEWSROOM, "unaffected")
    assert message.text == "unaffected"
    with pytest.raises(RetryAfter):
        await bot.send_message(ALICE, "paused")


async def test_an_outage_is_a_network_error_then_service_resumes(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.outage(1, status=502)
    with pytest.raises(NetworkError, match="Bad Gateway") as failure:
        await bot.send_message(ALICE, "lost")
    assert not isinstance(failure.value, BadRequest)
    assert (await bot.send_message(ALICE, "back")).text == "back"


async def test_a_migrated_group_names_its_new_id(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.add_chat(-5, "group", title="Old group")
    fake.migrate(-5, -1005)
    with pytest.raises(ChatMigrated) as moved:
        await bot.send_message(-5, "hello")
    assert moved.value.new_chat_id == -1005
    assert (await bot.send_message(-1005, "hello")).chat.type == "supergroup"


async def test_enforced_limits_answer_429_until_the_window_passes(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    clock = FakeClock()
    fake.enforce_limits(per_chat_per_s=1, global_per_s=30, group_per_min=20, clock=clock)
    await bot.send_message(ALICE, "first")
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(ALICE, "too soon")
    assert flood.value.retry_after == dtm.timedelta(seconds=1)
    clock.now += 1.0
    assert (await bot.send_message(ALICE, "later")).text == "later"


async def test_enforced_group_limit_is_per_minute(fake: FakeBotApi, bot: telegram.Bot) -> None:
    clock = FakeClock()
    fake.enforce_limits(per_chat_per_s=None, global_per_s=None, group_per_min=2, clock=clock)
    await bot.send_message(NEWSROOM, "1")
    clock.now += 1
    await bot.send_message(NEWSROOM, "2")
    clock.now += 1
    with pytest.raises(RetryAfter) as flood:
        await bot.send_message(NEWSROOM, "3")
    assert flood.value.retry_after == dtm.timedelta(seconds=58)


# ---- getUpdates -------------------------------------------------------------------------------


async def test_a_long_poll_is_held_until_a_message_arrives(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    [held] = await asyncio.to_thread(fake.wait_for_call, "getUpdates")
    assert held["status"] is None  # still waiting on the server
    fake.push_message(ALICE, ALICE, "/start")
    updates = await asyncio.wait_for(poll, timeout=5)
    assert [u.message.text for u in updates if u.message] == ["/start"]


async def test_without_a_timeout_get_updates_answers_at_once(bot: telegram.Bot) -> None:
    assert await bot.get_updates(timeout=0) == ()


async def test_offset_confirms_earlier_updates(fake: FakeBotApi, bot: telegram.Bot) -> None:
    fake.push_message(ALICE, ALICE, "one")
    fake.push_message(ALICE, ALICE, "two")
    first = await bot.get_updates()
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    fake.push_message(ALICE, ALICE, "three")
    after = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in after if u.message] == ["three"]


async def test_allowed_updates_drops_other_kinds(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(ALICE, "pick one")
    fake.push_message(ALICE, ALICE, "hello")
    fake.push_callback(ALICE, ALICE, "more:1", sent.message_id)
    updates = await bot.get_updates(allowed_updates=["callback_query"])
    assert [u.callback_query.data for u in updates if u.callback_query] == ["more:1"]
    assert len(updates) == 1


async def test_a_group_command_carries_the_bot_name_in_its_entity(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.push_message(NEWSROOM, 7, f"/subscribe@{BOT_USERNAME} ceasefire")
    [update] = await bot.get_updates()
    assert update.message is not None
    assert list(update.message.parse_entities(["bot_command"]).values()) == [
        f"/subscribe@{BOT_USERNAME}"
    ]


async def test_an_active_webhook_refuses_get_updates(fake: FakeBotApi, bot: telegram.Bot) -> None:
    await bot.set_webhook("https://example.invalid/hook")
    assert (await bot.get_webhook_info()).url == "https://example.invalid/hook"
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_stop_releases_a_held_long_poll(fake: FakeBotApi, bot: telegram.Bot) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.to_thread(fake.wait_for_call, "getUpdates")
    await asyncio.to_thread(fake.stop)
    assert await asyncio.wait_for(poll, timeout=5) == ()


async def test_a_real_application_polls_and_answers_a_command(fake: FakeBotApi) -> None:
    async def hello(update: telegram.Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(f"hello {' '.join(context.args or [])}")

    app = ApplicationBuilder().token(fake.token).base_url(fake.base_url).build()
    app.add_handler(CommandHandler("start", hello))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=10)
        fake.push_message(ALICE, ALICE, "/start world")
        [reply] = await fake.wait_for_sent_async(1, chat_id=ALICE)
        await app.updater.stop()
        await app.stop()
    assert reply["text"] == "hello world"


# ---- the other methods ------------------------------------------------------------------------


async def test_a_callback_query_can_be_answered_once(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(ALICE, "pick one")
    update = fake.push_callback(ALICE, ALICE, "more:1", sent.message_id)
    query_id = update["callback_query"]["id"]
    assert await bot.answer_callback_query(query_id, text="Subscribed")
    assert fake.answered_callbacks()[0]["text"] == "Subscribed"
    with pytest.raises(BadRequest, match=r"(?i)query id is invalid"):
        await bot.answer_callback_query(query_id)


async def test_edit_message_text_changes_the_message(fake: FakeBotApi, bot: telegram.Bot) -> None:
    sent = await bot.send_message(ALICE, "draft")
    edited = await bot.edit_message_text("<b>final</b>", ALICE, sent.message_id, parse_mode="HTML")
    assert isinstance(edited, telegram.Message)
    assert edited.text == "final"
    assert [e["text"] for e in fake.edits(ALICE)] == ["<b>final</b>"]


async def test_an_edit_that_changes_nothing_is_not_modified(bot: telegram.Bot) -> None:
    sent = await bot.send_message(ALICE, "same")
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("same", ALICE, sent.message_id)


async def test_chat_members_know_who_administers_a_group(bot: telegram.Bot) -> None:
    admin = await bot.get_chat_member(NEWSROOM, 7)
    stranger = await bot.get_chat_member(NEWSROOM, 8)
    administrators = await bot.get_chat_administrators(NEWSROOM)
    assert (admin.status, stranger.status) == ("administrator", "left")
    assert [a.user.id for a in administrators] == [7]


async def test_get_chat_describes_the_chat(bot: telegram.Bot) -> None:
    chat = await bot.get_chat(NEWSROOM)
    assert (chat.type, chat.title, chat.is_forum) == ("supergroup", "Newsroom", True)


async def test_commands_set_are_the_commands_got(bot: telegram.Bot) -> None:
    commands = [telegram.BotCommand("subscribe", "Follow a topic")]
    assert await bot.set_my_commands(commands)
    assert await bot.get_my_commands() == tuple(commands)


async def test_send_chat_action_is_accepted(bot: telegram.Bot) -> None:
    assert await bot.send_chat_action(ALICE, "typing")


# ---- helpers of the fake itself ---------------------------------------------------------------


def test_wait_for_sent_times_out_naming_what_arrived(fake: FakeBotApi) -> None:
    with pytest.raises(TimeoutError, match=r"got 0: \[\]"):
        fake.wait_for_sent(1, chat_id=ALICE, timeout=0.01)


def test_html_entity_offsets_count_utf16_code_units() -> None:
    text, entities = parse_html("😀 <b>news</b>")
    assert text == "😀 news"
    assert entities == [{"type": "bold", "offset": 3, "length": 4}]


def test_pre_with_a_language_code_is_one_entity() -> None:
    _, entities = parse_html('<pre><code class="language-python">x = 1</code></pre>')
    assert entities == [{"type": "pre", "offset": 0, "length": 5, "language": "python"}]


def test_a_bare_ampersand_passes_when_not_strict() -> None:
    assert parse_html("AT&T", strict_ampersand=False)[0] == "AT&T"


def test_a_span_must_be_a_spoiler() -> None:
    with pytest.raises(EntityParseError, match='must have class "tg-spoiler"'):
        parse_html('<span class="red">x</span>')


# ---- channels and their rights ----------------------------------------------------------------

CHANNEL = -1009


async def test_a_channel_tells_its_creator_and_administrators_to_an_administrator_bot(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.add_channel(CHANNEL, "Wire", owner=ALICE, username="wire", admins=(7,))
    creator = await bot.get_chat_member("@wire", ALICE)
    admin = await bot.get_chat_member(CHANNEL, 7)
    me = await bot.get_chat_member(CHANNEL, BOT_ID)
    reader = await bot.get_chat_member(CHANNEL, 8)
    assert isinstance(creator, telegram.ChatMemberOwner)
    assert isinstance(admin, telegram.ChatMemberAdministrator) and admin.can_post_messages
    assert isinstance(me, telegram.ChatMemberAdministrator) and me.can_post_messages
    assert reader.status == "left"
    assert (await bot.get_chat("@wire")).type == "channel"


async def test_a_channel_hides_its_members_from_a_bot_that_is_no_administrator(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.add_channel(CHANNEL, "Wire", owner=ALICE, bot_can_post=None)
    with pytest.raises(BadRequest, match="Member list is inaccessible"):
        await bot.get_chat_member(CHANNEL, ALICE)


async def test_posting_to_a_channel_takes_the_right_to_post(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    fake.add_channel(CHANNEL, "Wire", owner=ALICE)
    await bot.send_message(CHANNEL, "first")
    fake.set_bot_rights(CHANNEL, can_post=False)
    with pytest.raises(BadRequest, match="Need administrator rights in the channel chat"):
        await bot.send_message(CHANNEL, "second")
    fake.set_bot_rights(CHANNEL, None)
    with pytest.raises(Forbidden, match="bot is not a member of the channel chat"):
        await bot.send_message(CHANNEL, "third")
    assert [m["text"] for m in fake.sent(CHANNEL)] == ["first"]


def test_rights_are_only_for_channels_made_with_add_channel(fake: FakeBotApi) -> None:
    with pytest.raises(ValueError, match="add_channel"):
        fake.set_bot_rights(NEWSROOM, can_post=True)


# ---- files ------------------------------------------------------------------------------------


async def test_a_file_a_user_sends_is_read_with_get_file_and_its_download_url(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    update = fake.push_document(ALICE, ALICE, "feeds.opml", b"<opml/>", mime_type="text/x-opml")
    document = update["message"]["document"]
    assert (document["file_name"], document["file_size"]) == ("feeds.opml", 7)
    file = await bot.get_file(document["file_id"])
    assert file.file_path is not None and file.file_path.endswith(".opml")
    assert bytes(await file.download_as_bytearray()) == b"<opml/>"
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")


async def test_send_document_keeps_the_file_and_its_caption(
    fake: FakeBotApi, bot: telegram.Bot
) -> None:
    sent = await bot.send_document(
        ALICE, document=b"<opml/>", filename="out.opml", caption="<b>yours</b>", parse_mode="HTML"
    )
    assert sent.document is not None and sent.document.file_name == "out.opml"
    [record] = fake.documents(ALICE)
    assert (record["content"], record["visible_caption"]) == (b"<opml/>", "yours")
    assert fake.sent(ALICE) == []  # documents are not text messages
