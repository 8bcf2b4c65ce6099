"""Alerts: which chats hear of a new story (`queue_alerts`, in `queue`) and what they read
(`AlertSummaries` and the texts, in `texts`)."""

from bot.alerts.queue import queue_alerts
from bot.alerts.texts import AlertSummaries, story_summaries

__all__ = ["AlertSummaries", "queue_alerts", "story_summaries"]
