"""Storage: the tables and the database connection."""

from bot.store.db import Database, LeaderLock, migrate, open_database
from bot.store.models import (
    Alert,
    Article,
    Base,
    Chat,
    Feed,
    Outbox,
    OutboxStatus,
    SourceMute,
    Story,
    Subscription,
)

__all__ = [
    "Alert",
    "Article",
    "Base",
    "Chat",
    "Database",
    "Feed",
    "LeaderLock",
    "Outbox",
    "OutboxStatus",
    "SourceMute",
    "Story",
    "Subscription",
    "migrate",
    "open_database",
]
