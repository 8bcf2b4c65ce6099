"""The tables: feeds, articles, stories, chats, subscriptions, alerts and the outbox.

Times are stored as timezone-aware UTC (`UTCDateTime` normalizes what SQLite hands back).
Ids of chats are Telegram's own (64-bit), so a chat row is keyed by the id the API uses.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "Alert",
    "Article",
    "Base",
    "Chat",
    "ChatSource",
    "Feed",
    "Outbox",
    "OutboxKind",
    "OutboxStatus",
    "SourceMute",
    "Story",
    "Subscription",
    "SubscriptionChange",
    "WebSubSubscription",
]


class UTCDateTime(TypeDecorator[datetime]):
    """DateTime that always comes back aware in UTC, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Feed(Base):
    """A feed polled once however many chats read it.

    Public feeds are the operators' (configured, `/addfeed`, the catalog, search sources): their
    stories may reach any chat. A private feed was added by chats (`/addsource`, OPML): its
    stories reach only the chats that follow it (`ChatSource`), and it is polled only while one
    does. A search feed is one search source's results for one query (`search_source`,
    `search_query`), polled within that source's budget.
    """

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    interval: Mapped[int] = mapped_column(Integer, default=900)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_poll_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A poll in progress: which worker has it, and until when its claim holds (a worker that
    # dies releases it by letting it expire).
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    public: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    search_source: Mapped[str | None] = mapped_column(String(100), index=True)
    search_query: Mapped[str | None] = mapped_column(String(512))
    # Adaptive polling: the interval chosen last (None: `interval`), the recent median gap
    # between new entries (s), and the publisher's own hint (`ttl` / `sy:updatePeriod`, s).
    current_interval: Mapped[int | None] = mapped_column(Integer)
    median_gap: Mapped[float | None] = mapped_column(Float)
    publisher_hint: Mapped[int | None] = mapped_column(Integer)
    # The newest entry's time (publication, else first seen), polled or pushed: where the
    # current gap starts, kept here so a poll needs no aggregate over its articles.
    newest_entry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def display_name(self) -> str:
        return self.name or self.url


class WebSubSubscription(Base):
    """A feed's subscription at its WebSub hub (W3C WebSub): one per feed that has a hub.

    `token` names the callback path (unguessable, so the path alone identifies the feed and
    nobody can guess another feed's); `secret` is the `hub.secret` that signs pushed content.
    `state`: "requested" (waiting for the hub's verification of intent), "active" (verified,
    `lease_until` set), "failed" (the hub refused or stopped confirming: the feed is polled
    normally), "unsubscribed".
    """

    __tablename__ = "websub_subscriptions"
    __table_args__ = (UniqueConstraint("token", name="uq_websub_token"),)

    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    hub_url: Mapped[str] = mapped_column(String(2048))
    topic_url: Mapped[str] = mapped_column(String(2048))
    token: Mapped[str] = mapped_column(String(64))
    secret: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(16), index=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_push_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)


class Story(Base):
    """One piece of news, however many outlets carry it."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str] = mapped_column(String(2048))
    summary: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    source_count: Mapped[int] = mapped_column(Integer, default=1)

    articles: Mapped[list[Article]] = relationship(back_populates="story", order_by="Article.id")


class Article(Base):
    """One outlet's copy of a story, as it came from its feed (and page)."""

    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("feed_id", "guid", name="uq_article_feed_guid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    guid: Mapped[str] = mapped_column(String(2048))
    url: Mapped[str] = mapped_column(String(2048), index=True)
    title: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary)

    story: Mapped[Story] = relationship(back_populates="articles")
    feed: Mapped[Feed] = relationship()


class Chat(Base):
    """A Telegram chat (private, group or channel) and its preferences."""

    __tablename__ = "chats"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(16), default="private")
    title: Mapped[str | None] = mapped_column(String(256))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    alerts_mode: Mapped[str] = mapped_column(String(16), default="instant")  # or "digest"
    alerts_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    summary_sentences: Mapped[int] = mapped_column(Integer, default=3)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    inactive_reason: Mapped[str | None] = mapped_column(Text)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    quiet_start: Mapped[str | None] = mapped_column(String(5))  # "22:00", local time
    quiet_end: Mapped[str | None] = mapped_column(String(5))
    # Delivery to this chat in progress: one worker at a time, so its messages stay in order.
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    subscriptions: Mapped[list[Subscription]] = relationship(
        back_populates="chat", cascade="all, delete-orphan", order_by="Subscription.id"
    )


class ChatSource(Base):
    """A feed a chat added as its own (`/addsource`, OPML): the chat follows it."""

    __tablename__ = "chat_sources"
    __table_args__ = (UniqueConstraint("chat_id", "feed_id", name="uq_chat_source_chat_feed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    feed: Mapped[Feed] = relationship()


class Subscription(Base):
    """A chat's keyword query, stored as the user typed it (parsed again when loaded)."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("chat_id", "query", name="uq_subscription_chat_query"),
        # Ids are never reused (SQLite would reuse a deleted maximum): the match index knows a
        # change from (count, max id) alone.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    query: Mapped[str] = mapped_column(String(512))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Alert only once this many distinct outlets carry the story (Google Alerts' "only the
    # best results", but explainable).
    min_sources: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # "instant", or "daily" (folded into the digest) or "weekly" (the digest once a week).
    frequency: Mapped[str] = mapped_column(String(16), default="instant", server_default="instant")
    # In a forum supergroup: the topic this query's alerts go to.
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    last_weekly_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A query whose alerts go to a channel (`chat_id`) belongs to the private chat that set it
    # up there: that chat lists it, changes it, and is told when the channel is lost. No foreign
    # key: SQLite cannot add one to a table in place, and copying the table would drop the
    # change triggers and null `alerts.subscription_id`; forgetting a chat deletes its owned
    # queries in code (`bot.chat.prefs.forget_chat`).
    owner_chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Why the query stopped until its owner acts (the bot lost its rights in the channel).
    paused_reason: Mapped[str | None] = mapped_column(Text)

    chat: Mapped[Chat] = relationship(back_populates="subscriptions")


class SubscriptionChange(Base):
    """The change sequence of the subscriptions table, written by database triggers on every
    insert, delete and change of query or chat (cascades from a deleted or migrated chat too).

    Workers keep their in-memory match index current by applying the changes since the last
    one they saw, query by query, instead of rebuilding it. On PostgreSQL the trigger takes a
    transaction lock first, so ids are handed out in commit order and a reader never sees a
    later change before an earlier one.
    """

    __tablename__ = "subscription_changes"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, server_default=func.current_timestamp(), index=True
    )


class Alert(Base):
    """The record that a chat was told of a story: unique, so a story reaches a chat once."""

    __tablename__ = "alerts"
    # Its index also serves every lookup by chat alone (no index of chat_id of its own).
    __table_args__ = (UniqueConstraint("chat_id", "story_id", name="uq_alert_chat_story"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE")
    )
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("subscriptions.id", ondelete="SET NULL")
    )
    terms: Mapped[list[str]] = mapped_column(JSON, default=list)
    instant: Mapped[bool] = mapped_column(Boolean, default=True)
    # Decided during the chat's quiet hours: sent in one "while you were away" message after.
    held: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # The articles of the story the chat has been told about (the alert's, then follow-ups').
    told_articles: Mapped[list[int]] = mapped_column(
        JSON, default=list, server_default=text("'[]'")
    )


class SourceMute(Base):
    """A chat that asked not to hear of stories first reported by one feed, until a time."""

    __tablename__ = "source_mutes"
    __table_args__ = (UniqueConstraint("chat_id", "feed_id", name="uq_source_mute_chat_feed"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    feed_id: Mapped[int] = mapped_column(ForeignKey("feeds.id", ondelete="CASCADE"))
    until: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxKind:
    """What an outbox message is, for the worker (edits) and the metrics (sends by kind)."""

    ALERT = "alert"  # a new story for a chat's query
    FOLLOWUP = "followup"  # a story developed: a reply to the first alert
    EDIT = "edit"  # an alert's "reported by" line brought up to date
    DIGEST = "digest"  # the daily digest (or /digest, /latest-like lists)
    AWAY = "away"  # alerts held during quiet hours, in one message after
    NOTICE = "notice"  # the bot telling a chat about itself (a closed topic, lost rights)
    REPLY = "reply"  # an answer to a command that Telegram would not take at once
    ALL = (ALERT, FOLLOWUP, EDIT, DIGEST, AWAY, NOTICE, REPLY)


class OutboxStatus:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # the channel refused this message for good (e.g. malformed HTML)
    UNDELIVERABLE = "undeliverable"  # the chat is gone (blocked, deleted); kept, not retried
    ALL = (PENDING, SENT, FAILED, UNDELIVERABLE)


class Outbox(Base):
    """A message decided and waiting to be sent; marked sent only once the channel accepted it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("chats.id", ondelete="CASCADE", onupdate="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # an OutboxKind
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[list[list[str]]]] = mapped_column(JSON, default=list)
    disable_preview: Mapped[bool] = mapped_column(Boolean, default=True)
    reply_to_message_id: Mapped[int | None] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    edit_message_id: Mapped[int | None] = mapped_column(BigInteger)  # edit that message instead
    sent_by: Mapped[str | None] = mapped_column(String(128))  # the worker that sent it
    # An alert queued as a draft (`text` empty): what its text is made from, as JSON, until the
    # worker claims it and writes the text (`bot.alerts.drafts`).
    draft: Mapped[str | None] = mapped_column(Text)
