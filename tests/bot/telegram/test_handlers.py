"""Chat commands through the real client: what a user types and what the bot answers."""

from __future__ import annotations

from sqlalchemy import select

from bot.store import Chat, Subscription
from tests.fakes.feeds import Route, make_feed, make_page
from tests.fakes.harness import Harness

USER = 1001


async def test_start_explains_the_bot_and_registers_the_chat(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/start")
    assert "I watch the news for you" in answer["visible_text"]
    assert "/subscribe ceasefire" in answer["visible_text"]
    with bot_harness.services.db.session() as session:
        assert session.get(Chat, USER) is not None


async def test_commands_are_registered_with_telegram(bot_harness: Harness) -> None:
    [call] = bot_harness.fake.calls("setMyCommands")
    names = {c["command"] for c in call["params"]["commands"]}
    assert {"start", "help", "subscribe", "unsubscribe", "list", "digest", "settings"} <= names


async def test_help_lists_every_command_with_an_example(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/help")
    text = answer["visible_text"]
    for command in ("/subscribe", "/unsubscribe", "/digesttime", "/timezone", "/latest", "/stop"):
        assert command in text
    assert "/addfeed" not in text  # operator commands only for operators


async def test_subscribe_echoes_how_the_query_was_understood(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, '/subscribe "peace plan" -olympics')
    text = answer["visible_text"]
    assert text.startswith("✅ Watching:")
    assert "peace plan" in text and "olympics" in text


async def test_subscribe_without_a_query_shows_an_example(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/subscribe")
    assert "/subscribe ceasefire" in answer["visible_text"]


async def test_invalid_query_gets_a_clear_refusal(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, '/subscribe "unbalanced')
    assert answer["visible_text"].startswith("⚠️")
    with bot_harness.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []


async def test_overlong_query_is_refused(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/subscribe " + "word " * 100)
    assert answer["visible_text"].startswith("⚠️")


async def test_alert_is_an_alias_of_subscribe(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/alert ceasefire")
    assert answer["visible_text"].startswith("✅ Watching:")


async def test_list_shows_queries_and_settings(bot_harness: Harness) -> None:
    await bot_harness.say(USER, "/subscribe ceasefire")
    await bot_harness.say(USER, "/subscribe oil OR opec")
    [answer] = await bot_harness.say(USER, "/list")
    text = answer["visible_text"]
    assert "1. ceasefire" in text and "2. oil OR opec" in text
    assert "daily at 08:00 (UTC)" in text


async def test_unsubscribe_by_number_and_by_button(bot_harness: Harness) -> None:
    await bot_harness.say(USER, "/subscribe ceasefire")
    await bot_harness.say(USER, "/subscribe truce")
    [answer] = await bot_harness.say(USER, "/unsubscribe 1")
    assert "Stopped: ceasefire" in answer["visible_text"]
    [menu] = await bot_harness.say(USER, "/unsubscribe")
    [[button]] = menu["reply_markup"]["inline_keyboard"]
    assert button["text"].endswith("truce")
    await bot_harness.press(USER, USER, button["callback_data"], menu["message_id"])
    with bot_harness.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []


async def test_unknown_timezone_and_bad_time_are_explained(bot_harness: Harness) -> None:
    [zone] = await bot_harness.say(USER, "/timezone Mars/Olympus")
    [time] = await bot_harness.say(USER, "/digesttime 25:99")
    assert "Unknown time zone" in zone["visible_text"]
    assert "not a time of day" in time["visible_text"]


async def test_timezone_accepts_an_iana_name_or_an_offset(bot_harness: Harness) -> None:
    [named] = await bot_harness.say(USER, "/timezone Europe/Kyiv")
    [offset] = await bot_harness.say(USER, "/timezone +2")
    assert "Europe/Kyiv" in named["visible_text"]
    assert "Etc/GMT-2" in offset["visible_text"]


async def test_unknown_command_points_to_help(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "/frobnicate")
    assert "I don't know /frobnicate" in answer["visible_text"]


async def test_summary_of_a_page_leaves_out_its_furniture(bot_harness: Harness) -> None:
    paragraphs = [
        "The city council approved a new budget on Friday that raises spending on public "
        "transport and libraries while holding property taxes flat for a third year.",
        "Council members voted nine to four in favour after a debate that lasted late into the "
        "evening and drew dozens of residents to the public gallery.",
        "The mayor said the plan would add six new bus routes and extend opening hours at branch "
        "libraries across the city from the spring onwards.",
    ]
    url = bot_harness.feeds.route(
        "/page", Route(make_page("Budget approved", paragraphs), content_type="text/html")
    )
    [answer] = await bot_harness.say(USER, f"/summary {url}")
    text = answer["visible_text"]
    assert text.startswith("Budget approved")
    assert "new budget on Friday" in text
    assert "Keep Reading" not in text and "Celebrity chef" not in text


async def test_latest_shows_the_newest_stories(bot_harness: Harness) -> None:
    entry = {
        "guid": "x1",
        "title": "Budget approved",
        "link": "https://outlet.example/x1",
        "content": "The city council approved a new budget on Friday that raises spending on "
        "public transport and libraries while holding property taxes flat for a third year. "
        "Council members voted nine to four in favour after a long debate.",
        "published": bot_harness.clock.now(),
    }
    bot_harness.feeds.route("/one.xml", Route(make_feed([entry])))
    await bot_harness.poll()
    [answer] = await bot_harness.say(USER, "/latest 3")
    assert "Budget approved" in answer["visible_text"]
    [bad] = await bot_harness.say(USER, "/latest lots")
    assert "A number from 1 to" in bad["visible_text"]


# --- groups and operators ---------------------------------------------------------------------

GROUP, ADMIN, MEMBER = -100500, 2001, 2002


async def test_group_admin_may_subscribe_with_the_bot_suffix(bot_harness: Harness) -> None:
    bot_harness.fake.add_chat(GROUP, "supergroup", title="Newsroom", admins=[ADMIN])
    [answer] = await bot_harness.say(GROUP, "/subscribe@newsbot_test_bot ceasefire", user=ADMIN)
    assert answer["visible_text"].startswith("✅ Watching:")


async def test_group_member_who_is_not_admin_is_refused(bot_harness: Harness) -> None:
    bot_harness.fake.add_chat(GROUP, "supergroup", title="Newsroom", admins=[ADMIN])
    [answer] = await bot_harness.say(GROUP, "/subscribe ceasefire", user=MEMBER)
    assert "Only this group's administrators" in answer["visible_text"]
    with bot_harness.services.db.session() as session:
        assert session.scalars(select(Subscription)).all() == []


async def test_plain_messages_and_other_bots_commands_are_ignored_in_groups(
    bot_harness: Harness,
) -> None:
    bot_harness.fake.add_chat(GROUP, "supergroup", title="Newsroom", admins=[ADMIN])
    bot_harness.fake.push_message(GROUP, MEMBER, "anyone seen the news today?")
    bot_harness.fake.push_message(GROUP, MEMBER, "/frobnicate@some_other_bot")
    # Updates are handled in order: once /help is answered, the two above were handled too.
    [answer] = await bot_harness.say(GROUP, "/help@newsbot_test_bot", user=MEMBER)
    assert "What I can do" in answer["visible_text"]
    assert len(bot_harness.fake.sent(GROUP)) == 1


async def test_plain_text_in_a_private_chat_gets_a_hint(bot_harness: Harness) -> None:
    [answer] = await bot_harness.say(USER, "ceasefire please")
    assert "/subscribe ceasefire" in answer["visible_text"]
