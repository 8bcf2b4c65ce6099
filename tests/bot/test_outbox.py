"""Queueing a message: the one way a stage puts a message in the outbox, in the transaction that
decided it, due at once and pending until a channel takes it."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from bot.chat.prefs import ensure_chat
from bot.outbox import NO_BUTTONS, ButtonsTemplate, Queued, enqueue, enqueue_all, enqueue_drafts
from bot.render import RenderedMessage
from bot.settings import Settings
from bot.store import Database, Outbox, OutboxKind, OutboxStatus, Story
from tests.fakes import NOW

CHAT = 1001
FIELDS = [c.key for c in Outbox.__table__.columns if c.key != "id"]
BUTTONS = (
    (("🔕 Mute 1 day", "mute:41:1d"), ("🔕 Mute 1 week", "mute:41:7d")),
    (("🗑 Stop this query", "unsub:41"),),
)


@pytest.fixture
def chat(db: Database) -> int:
    with db.session() as session:
        return ensure_chat(session, CHAT, NOW, Settings()).id


def queued(
    db: Database, message: RenderedMessage, kind: str = OutboxKind.NOTICE, **extra: int
) -> Outbox:
    with db.session() as session:
        row = enqueue(session, CHAT, message, kind=kind, now=NOW, **extra)
        session.flush()
        outbox_id = row.id
    with db.session() as session:
        stored = session.get(Outbox, outbox_id)
        assert stored is not None
        return stored


def test_a_queued_message_is_pending_and_due_at_once(db: Database, chat: int) -> None:
    row = queued(db, RenderedMessage("<b>Hello</b>"), OutboxKind.DIGEST)
    assert (row.chat_id, row.kind, row.text) == (chat, "digest", "<b>Hello</b>")
    assert (row.status, row.attempts, row.not_before, row.created_at) == (
        OutboxStatus.PENDING,
        0,
        NOW,
        NOW,
    )
    assert (row.sent_at, row.message_id) == (None, None)


def test_its_buttons_are_kept_as_rows_of_label_and_data(db: Database, chat: int) -> None:
    row = queued(db, RenderedMessage("alert", buttons=BUTTONS))
    assert row.buttons == [
        [["🔕 Mute 1 day", "mute:41:1d"], ["🔕 Mute 1 week", "mute:41:7d"]],
        [["🗑 Stop this query", "unsub:41"]],
    ]


def test_a_message_without_buttons_has_none(db: Database, chat: int) -> None:
    assert queued(db, RenderedMessage("plain")).buttons == []


@pytest.mark.parametrize("preview", [True, False])
def test_link_previews_are_as_the_message_asks(db: Database, chat: int, preview: bool) -> None:
    row = queued(db, RenderedMessage("https://news.example/1", disable_preview=preview))
    assert row.disable_preview is preview


def test_a_plain_message_is_no_reply_no_edit_and_in_no_topic(db: Database, chat: int) -> None:
    row = queued(db, RenderedMessage("plain"))
    assert (row.reply_to_message_id, row.edit_message_id, row.thread_id, row.story_id) == (
        None,
        None,
        None,
        None,
    )


def test_a_follow_up_names_the_message_it_answers_in_its_topic(db: Database, chat: int) -> None:
    row = queued(db, RenderedMessage("update"), OutboxKind.FOLLOWUP, reply_to=42, thread_id=7)
    assert (row.reply_to_message_id, row.thread_id, row.edit_message_id) == (42, 7, None)


def test_an_edit_names_the_message_it_replaces(db: Database, chat: int) -> None:
    row = queued(db, RenderedMessage("alert, updated"), OutboxKind.EDIT, edit_of=42)
    assert (row.edit_message_id, row.reply_to_message_id) == (42, None)


def test_a_message_about_a_story_names_it(db: Database, chat: int) -> None:
    with db.session() as session:
        story = Story(title="T", url="u", created_at=NOW, updated_at=NOW)
        session.add(story)
        session.flush()
        story_id = story.id
    assert queued(db, RenderedMessage("alert"), OutboxKind.ALERT, story_id=story_id).story_id == (
        story_id
    )


def test_messages_queued_together_are_stored_as_each_queued_alone(db: Database, chat: int) -> None:
    """The set-based insert (a burst's alerts) keeps every field as `enqueue` does: text,
    buttons, preview, reply, edit, topic, due time, pending."""
    messages = [
        Queued(CHAT, RenderedMessage("<b>alert</b>", BUTTONS, disable_preview=False), "alert"),
        Queued(CHAT, RenderedMessage("update"), OutboxKind.FOLLOWUP, reply_to=42, thread_id=7),
        Queued(CHAT, RenderedMessage("edited"), OutboxKind.EDIT, edit_of=43),
    ]

    def rows() -> list[tuple[object, ...]]:  # every column but the id
        with db.session() as session:
            found = session.scalars(select(Outbox).order_by(Outbox.id)).all()
            session.query(Outbox).delete()
            return [tuple(getattr(o, name) for name in FIELDS) for o in found]

    with db.session() as session:
        for q in messages:
            enqueue(
                session,
                q.chat_id,
                q.message,
                kind=q.kind,
                now=NOW,
                thread_id=q.thread_id,
                reply_to=q.reply_to,
                edit_of=q.edit_of,
            )
    alone = rows()
    with db.session() as session:
        assert enqueue_all(session, messages, NOW) == 3
    assert rows() == alone
    assert [row[FIELDS.index("buttons")] for row in alone] == [
        [[list(b) for b in line] for line in BUTTONS],
        [],
        [],
    ]


def test_a_message_decided_in_a_transaction_that_fails_is_never_queued(
    db: Database, chat: int
) -> None:
    with pytest.raises(RuntimeError), db.session() as session:
        enqueue(session, CHAT, RenderedMessage("half-decided"), kind=OutboxKind.ALERT, now=NOW)
        session.flush()
        raise RuntimeError("the stage failed after queueing")
    with db.session() as session:
        assert session.scalar(select(func.count(Outbox.id))) == 0


def test_alert_drafts_are_stored_as_messages_queued_alone_with_the_draft_for_the_text(
    db: Database, chat: int
) -> None:
    """A burst's alerts (`enqueue_drafts`, buttons from a `ButtonsTemplate`) are stored as
    `enqueue_all` stores the same messages (every column, the buttons' JSON text too), with an
    empty text and the draft it is rendered from when claimed."""
    with db.session() as session:
        story = Story(title="T", url="u", created_at=NOW, updated_at=NOW)
        session.add(story)
        session.flush()
        story_id = story.id
    buttons = lambda sid: ((("🔕 Mute 1 day", f"mute:{sid}:1d"),), (("🗑 Stop", f"unsub:{sid}"),))  # noqa: E731

    def stored() -> list[dict[str, object]]:
        with db.session() as session:
            rows = session.execute(sa.text("SELECT * FROM outbox ORDER BY id")).mappings().all()
            session.query(Outbox).delete()
            return [{k: v for k, v in row.items() if k != "id"} for row in rows]

    with db.session() as session:
        enqueue_all(
            session,
            [
                Queued(CHAT, RenderedMessage("", buttons(41), False), "alert", story_id, 7),
                Queued(CHAT, RenderedMessage("", (), False), "alert", story_id),
            ],
            NOW,
        )
    alone = stored()
    with db.session() as session:
        template = ButtonsTemplate(session, buttons)
        rows = [(CHAT, '["a"]', template(41), 7), (CHAT, '["b"]', NO_BUTTONS, None)]
        assert enqueue_drafts(session, story_id, rows, NOW) == 2
    assert stored() == [alone[0] | {"draft": '["a"]'}, alone[1] | {"draft": '["b"]'}]


def test_a_template_whose_buttons_vary_by_more_than_the_number_still_gives_each_its_own(
    db: Database,
) -> None:
    def buttons(n: int) -> tuple[tuple[tuple[str, str], ...], ...]:
        return ((("x" * (n % 3), f"n:{n}"),),)

    with db.session() as session:
        template = ButtonsTemplate(session, buttons)
        for n in (1, 2, 41, 7_390_256_148_903):
            assert json.loads(template(n)) == [[["x" * (n % 3), f"n:{n}"]]]
