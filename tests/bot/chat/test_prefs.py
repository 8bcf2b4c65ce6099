"""A chat and its preferences: created on first contact with the configured defaults, changed by
commands and buttons, and forgotten on request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from bot.chat.prefs import (
    Caller,
    Setter,
    apply_setting,
    change_chat,
    chat_settings,
    ensure_chat,
    forget_chat,
    pause_alerts,
    resume_alerts,
    set_digest_time,
    set_quiet_hours,
    set_timezone,
)
from bot.errors import ChatError
from bot.settings import DigestSettings, Settings, SummarySettings
from bot.store import Alert, Chat, Database, Outbox, OutboxKind, SourceMute, Subscription
from tests.fakes import NOW

if TYPE_CHECKING:
    from tests.bot.chat.conftest import Newsroom

CHAT = 1001


def chat_row(db: Database, chat_id: int = CHAT) -> Chat:
    with db.session() as session:
        chat = session.get(Chat, chat_id)
        assert chat is not None
        return chat


def change(db: Database, setter: Setter, text: str, settings: Settings, now: datetime = NOW) -> str:
    with db.session() as session:
        return change_chat(session, Caller(CHAT), setter, text, now, settings)


# --- first contact -------------------------------------------------------------------------------


def test_a_new_chat_gets_the_configured_defaults(db: Database) -> None:
    configured = Settings(
        digest=DigestSettings(time="07:15", timezone="Europe/Berlin"),
        summary=SummarySettings(sentences=5),
    )
    with db.session() as session:
        ensure_chat(session, CHAT, NOW, configured, type_="group", title="Desk")
    chat = chat_row(db)
    assert (chat.type, chat.title, chat.timezone, chat.digest_time) == (
        "group",
        "Desk",
        "Europe/Berlin",
        "07:15",
    )
    assert (chat.summary_sentences, chat.alerts_mode, chat.alerts_paused) == (5, "instant", False)
    assert chat.digest_enabled and chat.active and chat.created_at == NOW


def test_a_new_chats_first_digest_is_due_at_its_next_local_digest_time(db: Database) -> None:
    configured = Settings(digest=DigestSettings(time="07:15", timezone="Europe/Berlin"))
    with db.session() as session:
        ensure_chat(session, CHAT, NOW, configured)  # NOW is 16:00 in Berlin
    assert chat_row(db).next_digest_at == datetime(2025, 12, 22, 6, 15, tzinfo=UTC)


def test_contact_again_keeps_the_chats_preferences(db: Database, settings: Settings) -> None:
    change(db, set_timezone, "Asia/Tokyo", settings)
    with db.session() as session:
        ensure_chat(session, CHAT, NOW + timedelta(days=1), settings)
    assert chat_row(db).timezone == "Asia/Tokyo"


def test_a_chat_that_had_left_is_active_again_on_first_contact(
    db: Database, settings: Settings
) -> None:
    with db.session() as session:
        chat = ensure_chat(session, CHAT, NOW, settings)
        chat.active, chat.inactive_reason = False, "blocked the bot"
    with db.session() as session:
        ensure_chat(session, CHAT, NOW, settings)
    chat = chat_row(db)
    assert chat.active and chat.inactive_reason is None


def test_a_groups_new_title_is_kept(db: Database, settings: Settings) -> None:
    with db.session() as session:
        ensure_chat(session, CHAT, NOW, settings, type_="group", title="Desk")
    with db.session() as session:
        ensure_chat(session, CHAT, NOW, settings, type_="group", title="Night desk")
    assert chat_row(db).title == "Night desk"


def test_asking_for_the_settings_registers_the_chat(db: Database, settings: Settings) -> None:
    with db.session() as session:
        shown = chat_settings(session, Caller(CHAT, "supergroup", "Desk"), NOW, settings)
    assert (shown.chat_id, shown.timezone, shown.alerts_mode) == (CHAT, "UTC", "instant")
    assert chat_row(db).type == "supergroup"


# --- digest time and time zone -------------------------------------------------------------------


def test_a_new_time_zone_moves_the_next_digest_to_that_zones_clock(
    db: Database, settings: Settings
) -> None:
    assert change(db, set_timezone, "Asia/Tokyo", settings) == "Asia/Tokyo"
    # 08:00 in Tokyo is 23:00 UTC, still ahead of NOW (15:00 UTC).
    assert chat_row(db).next_digest_at == datetime(2025, 12, 21, 23, 0, tzinfo=UTC)


def test_a_new_digest_time_moves_the_next_digest(db: Database, settings: Settings) -> None:
    assert change(db, set_digest_time, "17:30", settings) == "17:30"
    assert chat_row(db).next_digest_at == datetime(2025, 12, 21, 17, 30, tzinfo=UTC)


def test_a_digest_time_already_past_today_is_due_tomorrow(db: Database, settings: Settings) -> None:
    change(db, set_digest_time, "9:05", settings)
    assert chat_row(db).next_digest_at == datetime(2025, 12, 22, 9, 5, tzinfo=UTC)


def test_a_refused_time_zone_leaves_the_chat_as_it_was(db: Database, settings: Settings) -> None:
    with db.session() as session:
        chat = ensure_chat(session, CHAT, NOW, settings)
        set_timezone(chat, "Europe/Berlin", NOW)
        due = chat.next_digest_at
        with pytest.raises(ChatError):
            set_timezone(chat, "Atlantis/Capital", NOW)
        assert (chat.timezone, chat.next_digest_at) == ("Europe/Berlin", due)


def test_a_refused_digest_time_leaves_the_chat_as_it_was(db: Database, settings: Settings) -> None:
    with db.session() as session:
        chat = ensure_chat(session, CHAT, NOW, settings)
        set_digest_time(chat, "06:45", NOW)
        due = chat.next_digest_at
        with pytest.raises(ChatError):
            set_digest_time(chat, "25:00", NOW)
        assert (chat.digest_time, chat.next_digest_at) == ("06:45", due)


# --- quiet hours, pause --------------------------------------------------------------------------


def test_quiet_hours_are_stored_as_a_local_range(db: Database, settings: Settings) -> None:
    assert change(db, set_quiet_hours, "22:00-7:00", settings) == "22:00-07:00"
    chat = chat_row(db)
    assert (chat.quiet_start, chat.quiet_end) == ("22:00", "07:00")


def unsaved_chat() -> Chat:
    """A chat row not yet stored: setters that only read text need no database."""
    return Chat(id=CHAT, timezone="UTC", digest_time="08:00", quiet_start=None, quiet_end=None)


@pytest.mark.parametrize("text", ["22:00 - 07:00", "22:00–07:00", " 22:00-07:00 "])
def test_quiet_hours_may_be_written_with_spaces_or_an_en_dash(text: str) -> None:
    chat = unsaved_chat()
    assert set_quiet_hours(chat, text) == "22:00-07:00"
    assert (chat.quiet_start, chat.quiet_end) == ("22:00", "07:00")


@pytest.mark.parametrize("text", ["off", "OFF", "none", "no"])
def test_quiet_hours_off_clears_them(text: str) -> None:
    chat = unsaved_chat()
    set_quiet_hours(chat, "22:00-07:00")
    assert set_quiet_hours(chat, text) == "off"
    assert (chat.quiet_start, chat.quiet_end) == (None, None)


def test_quiet_hours_need_a_range() -> None:
    with pytest.raises(ChatError, match="/quiet 22:00-07:00"):
        set_quiet_hours(unsaved_chat(), "22:00")


def test_quiet_hours_that_start_when_they_end_are_refused() -> None:
    with pytest.raises(ChatError, match="differ"):
        set_quiet_hours(unsaved_chat(), "07:00-7:00")


def test_a_refused_quiet_range_leaves_the_old_one() -> None:
    chat = unsaved_chat()
    set_quiet_hours(chat, "23:00-06:00")
    with pytest.raises(ChatError):
        set_quiet_hours(chat, "21:00-30:00")
    assert (chat.quiet_start, chat.quiet_end) == ("23:00", "06:00")


def test_pausing_turns_instant_alerts_off_and_resuming_on(db: Database, settings: Settings) -> None:
    assert change(db, pause_alerts, "", settings) == "paused"
    assert chat_row(db).alerts_paused
    assert change(db, resume_alerts, "", settings) == "on"
    assert not chat_row(db).alerts_paused


# --- /settings buttons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "attribute", "expected"),
    [
        ("mode", "digest", "alerts_mode", "digest"),
        ("len", "5", "summary_sentences", 5),
        ("len", "1", "summary_sentences", 1),
        ("digest", "off", "digest_enabled", False),
    ],
)
def test_a_settings_button_changes_its_setting(
    db: Database,
    newsroom: Newsroom,
    field: str,
    value: str,
    attribute: str,
    expected: object,
) -> None:
    newsroom.chat(CHAT)
    with db.session() as session:
        shown = apply_setting(session, CHAT, field, value)
    assert shown is not None and getattr(shown, attribute) == expected
    assert getattr(chat_row(db), attribute) == expected


@pytest.mark.parametrize(
    ("field", "value"),
    [("mode", "loud"), ("len", "4"), ("len", "100"), ("digest", "maybe"), ("timezone", "UTC")],
)
def test_a_button_we_never_offer_changes_nothing(
    db: Database, newsroom: Newsroom, field: str, value: str
) -> None:
    newsroom.chat(CHAT)
    before = chat_row(db)
    with db.session() as session:
        assert apply_setting(session, CHAT, field, value) is None
    after = chat_row(db)
    assert (after.alerts_mode, after.summary_sentences, after.digest_enabled) == (
        before.alerts_mode,
        before.summary_sentences,
        before.digest_enabled,
    )


def test_a_settings_button_of_an_unknown_chat_changes_nothing(db: Database) -> None:
    with db.session() as session:
        assert apply_setting(session, CHAT, "mode", "digest") is None
        assert session.get(Chat, CHAT) is None


# --- /stop ---------------------------------------------------------------------------------------


def count_of(
    db: Database, model: type[Subscription | SourceMute | Alert | Outbox], chat_id: int
) -> int:
    with db.session() as session:
        return len(session.scalars(select(model).where(model.chat_id == chat_id)).all())


def test_forgetting_a_chat_deletes_everything_it_set_up(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    feed = newsroom.feed("Outlet")
    story = newsroom.story("Ceasefire agreed", [feed])
    newsroom.alert(CHAT, story, sent=NOW)
    with db.session() as session:
        session.add(Subscription(chat_id=CHAT, query="ceasefire", created_at=NOW))
        session.add(SourceMute(chat_id=CHAT, feed_id=feed, until=NOW + timedelta(days=7)))
    with db.session() as session:
        assert forget_chat(session, CHAT)
    with db.session() as session:
        assert session.get(Chat, CHAT) is None
    for model in (Subscription, SourceMute, Alert, Outbox):
        assert count_of(db, model, CHAT) == 0, model.__name__


def test_forgetting_a_chat_leaves_the_other_chats_alone(db: Database, newsroom: Newsroom) -> None:
    newsroom.chat(CHAT)
    newsroom.chat(2002)
    with db.session() as session:
        session.add(Subscription(chat_id=2002, query="ceasefire", created_at=NOW))
        session.add(
            Outbox(chat_id=2002, kind=OutboxKind.NOTICE, text="hi", not_before=NOW, created_at=NOW)
        )
    with db.session() as session:
        forget_chat(session, CHAT)
    assert count_of(db, Subscription, 2002) == 1
    assert count_of(db, Outbox, 2002) == 1


def test_forgetting_an_unknown_chat_says_so(db: Database) -> None:
    with db.session() as session:
        assert not forget_chat(session, CHAT)
