"""Alerts: which chats hear of a new story (`queue_alerts`, in `queue`, which queues drafts)
and what they read (`AlertSummaries` and the texts, in `texts`), rendered when the outbox
worker claims them (`drafts`)."""

from bot.alerts.queue import queue_alerts
from bot.alerts.texts import AlertSummaries

__all__ = ["AlertSummaries", "queue_alerts"]
