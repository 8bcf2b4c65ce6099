"""A later article joins a story chats were told of: an alert not sent yet is updated in place, a
sent alert's sources line is edited, and a story that develops gets one follow-up, as a reply."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.alerts import queue_alerts
from bot.chat.prefs import ensure_chat
from bot.followups import new_sentences, update_alerts
from bot.outbox import enqueue
from bot.render import AlertView, render_alert
from bot.settings import Settings
from bot.store import (
    Alert,
    Article,
    Database,
    Feed,
    Outbox,
    OutboxKind,
    OutboxStatus,
    Story,
    Subscription,
)
from bot.subscribers import ChatMatch
from tests.fakes import NOW
from tests.fakes.outbox import render_drafts
from tests.fakes.stories import CEASEFIRE

CHAT, OTHER = 1001, 2002
LATER = NOW + timedelta(minutes=30)
DEVELOPMENT = (
    " By Sunday evening the first convoy of forty lorries had crossed the front line at the "
    "northern checkpoint, the United Nations said. Observers reported two violations of the "
    "truce overnight but said neither side had returned heavy artillery to the area. Both "
    "governments agreed to meet again in Geneva on Thursday to discuss a prisoner exchange and "
    "the reopening of the border crossings."
)
REWORDED = CEASEFIRE.replace("late on Saturday", "on Saturday night")


class Newsdesk:
    """One story, first carried by Planet, and the chats that were alerted to it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.feeds: dict[str, int] = {}
        with db.session() as session:
            for name in ("Planet", "Gazette", "Herald"):
                feed = Feed(url=f"https://{name.lower()}.example/rss", name=name, created_at=NOW)
                session.add(feed)
                session.flush()
                self.feeds[name] = feed.id
            story = Story(
                title="Ceasefire agreed in Geneva",
                url="https://planet.example/a1",
                summary=["Negotiators agreed to a ceasefire."],
                language="en",
                created_at=NOW,
                updated_at=NOW,
                source_count=1,
            )
            session.add(story)
            session.flush()
            self.story = story.id
        self.first = self.article("Planet", CEASEFIRE)

    def article(self, outlet: str, text: str) -> int:
        with self.db.session() as session:
            count = len(list(session.scalars(select(Article.id))))
            article = Article(
                feed_id=self.feeds[outlet],
                story_id=self.story,
                guid=f"{outlet}-{count}",
                url=f"https://{outlet.lower()}.example/{count}",
                title=f"{outlet} on the ceasefire",
                text=text,
                source=outlet,
                fetched_at=NOW,
            )
            session.add(article)
            session.flush()
            return article.id

    def alerted(
        self,
        chat_id: int = CHAT,
        *,
        status: str = OutboxStatus.SENT,
        message_id: int | None = 42,
        thread_id: int | None = None,
        held: bool = False,
        instant: bool = True,
    ) -> int:
        """The chat was alerted to the story from Planet's article; returns the alert's row."""
        view = AlertView(
            story_id=self.story,
            title="Ceasefire agreed in Geneva",
            url="https://planet.example/a1",
            summary=["Negotiators agreed to a ceasefire."],
            sources=["Planet"],
            query="ceasefire",
            terms=["ceasefire"],
            subscription_id=41,
            feed_id=self.feeds["Planet"],
        )
        with self.db.session() as session:
            ensure_chat(session, chat_id, NOW, Settings())
            session.add(
                Alert(
                    chat_id=chat_id,
                    story_id=self.story,
                    instant=instant,
                    held=held,
                    created_at=NOW,
                    told_articles=[self.first],
                )
            )
            row = enqueue(
                session,
                chat_id,
                render_alert(view),
                kind=OutboxKind.ALERT,
                now=NOW,
                story_id=self.story,
                thread_id=thread_id,
            )
            row.status, row.message_id = status, message_id
            session.flush()
            return row.id

    def joins(self, outlet: str, text: str, *sources: str) -> int:
        """An article of `outlet` joins the story; returns the messages queued for it."""
        article_id = self.article(outlet, text)
        with self.db.session() as session:
            story, article = session.get(Story, self.story), session.get(Article, article_id)
            assert story is not None and article is not None
            story.source_count = len(sources)
            return update_alerts(session, story, article, list(sources), LATER)

    def queued(self, kind: str) -> list[Outbox]:
        with self.db.session() as session:
            return list(
                session.scalars(select(Outbox).where(Outbox.kind == kind).order_by(Outbox.id))
            )

    def row(self, outbox_id: int) -> Outbox:
        with self.db.session() as session:
            row = session.get(Outbox, outbox_id)
            assert row is not None
            return row

    def told(self, chat_id: int = CHAT) -> list[int]:
        with self.db.session() as session:
            alert = session.scalars(select(Alert).where(Alert.chat_id == chat_id)).one()
            return list(alert.told_articles)


@pytest.fixture
def desk(db: Database) -> Newsdesk:
    return Newsdesk(db)


# --- an alert not sent yet -----------------------------------------------------------------------


def test_a_pending_alert_is_updated_in_place_with_the_new_outlet(desk: Newsdesk) -> None:
    alert = desk.alerted(status=OutboxStatus.PENDING, message_id=None)
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 0
    assert "📰 Planet, Gazette" in desk.row(alert).text
    assert desk.queued(OutboxKind.EDIT) == [] and desk.queued(OutboxKind.FOLLOWUP) == []


def test_an_alert_still_a_draft_is_left_to_name_every_outlet_when_it_is_rendered(
    desk: Newsdesk,
) -> None:
    """An alert queued as a draft has no text to edit yet: it is rendered when claimed, with
    the outlets of that moment."""
    with desk.db.session() as session:
        ensure_chat(session, CHAT, NOW, Settings())
        sub = Subscription(chat_id=CHAT, query="ceasefire", created_at=NOW)
        session.add(sub)
        session.flush()
        story, article = session.get(Story, desk.story), session.get(Article, desk.first)
        assert story is not None and article is not None
        match = ChatMatch(CHAT, sub.id, "ceasefire", ("ceasefire",), ("title",))
        assert queue_alerts(session, story, article, ["Planet"], [match], NOW) == 1
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 0
    assert desk.queued(OutboxKind.EDIT) == []
    [draft] = desk.queued(OutboxKind.ALERT)
    assert draft.text == "" and draft.draft is not None  # untouched until it is claimed
    render_drafts(desk.db)
    [alert] = desk.queued(OutboxKind.ALERT)
    assert "📰 Planet, Gazette\n" in alert.text


def test_a_pending_alert_gets_no_follow_up_however_much_the_story_grew(desk: Newsdesk) -> None:
    desk.alerted(status=OutboxStatus.PENDING, message_id=None)
    desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette")
    assert desk.queued(OutboxKind.FOLLOWUP) == []


# --- a sent alert --------------------------------------------------------------------------------


def test_a_sent_alert_is_edited_when_another_outlet_carries_the_same_news(
    desk: Newsdesk,
) -> None:
    alert = desk.alerted()
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 1
    [edit] = desk.queued(OutboxKind.EDIT)
    assert (edit.chat_id, edit.edit_message_id, edit.story_id) == (CHAT, 42, desk.story)
    assert "📰 Planet, Gazette" in edit.text
    assert edit.buttons == desk.row(alert).buttons
    assert desk.row(alert).text == edit.text  # the next change compares with what chats see


def test_an_edit_goes_to_the_alerts_forum_topic(desk: Newsdesk) -> None:
    desk.alerted(thread_id=7)
    desk.joins("Gazette", REWORDED, "Planet", "Gazette")
    assert [e.thread_id for e in desk.queued(OutboxKind.EDIT)] == [7]


def test_an_article_from_an_outlet_already_named_changes_nothing(desk: Newsdesk) -> None:
    desk.alerted()
    assert desk.joins("Planet", REWORDED, "Planet") == 0
    assert desk.queued(OutboxKind.EDIT) == [] and desk.queued(OutboxKind.FOLLOWUP) == []


def test_a_developing_story_gets_a_follow_up_as_a_reply_to_the_alert(desk: Newsdesk) -> None:
    desk.alerted(thread_id=7)
    assert desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette") == 1
    [note] = desk.queued(OutboxKind.FOLLOWUP)
    assert (note.chat_id, note.reply_to_message_id, note.thread_id) == (CHAT, 42, 7)
    assert "Update</b> from Gazette" in note.text
    assert "convoy" in note.text or "Geneva on Thursday" in note.text
    assert desk.queued(OutboxKind.EDIT) == []


def test_a_follow_up_is_remembered_as_told(desk: Newsdesk) -> None:
    desk.alerted()
    desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette")
    [first, grown] = sorted(desk.told())
    assert first == desk.first and grown > first


def test_what_a_follow_up_told_is_not_followed_up_again(desk: Newsdesk) -> None:
    desk.alerted()
    desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette")
    assert desk.joins("Herald", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette", "Herald") == 1
    assert len(desk.queued(OutboxKind.FOLLOWUP)) == 1
    [edit] = desk.queued(OutboxKind.EDIT)
    assert "📰 Planet, Gazette, Herald" in edit.text


def test_each_alerted_chat_is_brought_up_to_date(desk: Newsdesk) -> None:
    desk.alerted(CHAT, message_id=42)
    desk.alerted(OTHER, message_id=77)
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 2
    edits = desk.queued(OutboxKind.EDIT)
    assert sorted((e.chat_id, e.edit_message_id) for e in edits) == [(CHAT, 42), (OTHER, 77)]


# --- alerts left alone ---------------------------------------------------------------------------


def test_a_sent_alert_without_its_message_id_is_left_alone(desk: Newsdesk) -> None:
    desk.alerted(message_id=None)
    assert desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette") == 0
    assert desk.queued(OutboxKind.EDIT) == [] and desk.queued(OutboxKind.FOLLOWUP) == []


@pytest.mark.parametrize("status", [OutboxStatus.FAILED, OutboxStatus.UNDELIVERABLE])
def test_an_alert_that_never_arrived_is_left_alone(desk: Newsdesk, status: str) -> None:
    alert = desk.alerted(status=status)
    before = desk.row(alert).text
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 0
    assert desk.row(alert).text == before


def test_an_alert_held_for_quiet_hours_is_left_alone(desk: Newsdesk) -> None:
    desk.alerted(held=True)
    assert desk.joins("Gazette", REWORDED, "Planet", "Gazette") == 0


def test_a_story_kept_for_the_digest_is_left_alone(desk: Newsdesk) -> None:
    desk.alerted(instant=False)
    assert desk.joins("Gazette", CEASEFIRE + DEVELOPMENT, "Planet", "Gazette") == 0


# --- what is new in an article -------------------------------------------------------------------


def test_sentences_a_later_article_adds_are_new() -> None:
    fresh = new_sentences(CEASEFIRE + DEVELOPMENT, [CEASEFIRE], "en")
    assert len(fresh) == 3
    assert fresh[0].startswith("By Sunday evening the first convoy")


def test_what_the_known_texts_already_say_is_not_new() -> None:
    assert new_sentences(CEASEFIRE, [CEASEFIRE], "en") == []


def test_a_reworded_copy_is_not_new() -> None:
    assert new_sentences(REWORDED, [CEASEFIRE], "en") == []


def test_a_short_sentence_is_never_new() -> None:
    assert new_sentences("Talks resumed today.", [CEASEFIRE], "en") == []


def test_against_nothing_known_every_long_sentence_is_new() -> None:
    assert len(new_sentences(CEASEFIRE, [], "en")) == 4
