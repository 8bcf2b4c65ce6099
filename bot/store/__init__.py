"""Storage: the tables and the database connection."""

from bot.store.db import Database, LeaderLock, migrate, open_database
from bot.store.feeds import upsert_feed
from bot.store.models import (
    Alert,
    Article,
    Base,
    Chat,
    ChatSource,
    Feed,
    Outbox,
    OutboxKind,
    OutboxStatus,
    SourceMute,
    Story,
    Subscription,
    SubscriptionChange,
    WebSubSubscription,
)

__all__ = [
    "Alert",
    "Article",
    "Base",
    "Chat",
    "ChatSource",
    "Database",
    "Feed",
    "LeaderLock",
    "Outbox",
    "OutboxKind",
    "OutboxStatus",
    "SourceMute",
    "Story",
    "Subscription",
    "SubscriptionChange",
    "WebSubSubscription",
    "migrate",
    "open_database",
    "upsert_feed",
]
