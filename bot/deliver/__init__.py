"""The deliver stage: the outbox worker and the channels it sends through."""

from bot.deliver.channel import (
    Button,
    Channel,
    ChatGone,
    Migrated,
    OutgoingMessage,
    Rejected,
    Retry,
    SendOutcome,
    Sent,
)
from bot.deliver.console import ConsoleChannel
from bot.deliver.outbox import DeliveryReport, OutboxWorker

__all__ = [
    "Button",
    "Channel",
    "ChatGone",
    "ConsoleChannel",
    "DeliveryReport",
    "Migrated",
    "OutboxWorker",
    "OutgoingMessage",
    "Rejected",
    "Retry",
    "SendOutcome",
    "Sent",
]
