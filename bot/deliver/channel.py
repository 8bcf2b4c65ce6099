"""What a delivery channel is: a message to send, and the typed outcome of trying.

The outbox worker decides what to do next (retry, pause a chat, deactivate it) from the outcome
alone, so a channel never raises for an expected refusal: Telegram saying "slow down" or
"blocked by the user" is a normal answer, not an error (STYLE habit 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "Button",
    "Channel",
    "ChatGone",
    "Migrated",
    "OutgoingMessage",
    "Rejected",
    "Retry",
    "SendOutcome",
    "Sent",
]


@dataclass(frozen=True)
class Button:
    """An inline button under a message; pressing it sends `data` back as a callback query."""

    text: str
    data: str


@dataclass(frozen=True)
class OutgoingMessage:
    """One rendered message (Telegram HTML) for one chat, as stored in the outbox."""

    outbox_id: int
    chat_id: int
    text: str
    disable_preview: bool = True
    reply_to_message_id: int | None = None
    thread_id: int | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    edit_message_id: int | None = None  # set: edit that earlier message instead of sending anew
    kind: str = "alert"  # the row's OutboxKind, for the metrics of what was sent


@dataclass(frozen=True)
class Sent:
    """The channel accepted the message; `message_id` lets us edit or reply to it later."""

    message_id: int | None


@dataclass(frozen=True)
class Retry:
    """Try again after `after` seconds (429 retry_after, 5xx, timeout, dropped connection)."""

    after: float
    reason: str
    chat_wide: bool = False  # True for a 429 naming this chat: pause every message to it


@dataclass(frozen=True)
class ChatGone:
    """The chat can no longer receive messages (blocked, kicked, deleted): deactivate it."""

    reason: str


@dataclass(frozen=True)
class Migrated:
    """A group became a supergroup with a new id: move the chat and resend there."""

    new_chat_id: int


@dataclass(frozen=True)
class Rejected:
    """This message can never be sent as it is (e.g. malformed HTML): keep it, marked failed."""

    reason: str


SendOutcome = Sent | Retry | ChatGone | Migrated | Rejected


class Channel(Protocol):
    """Where messages go: the console for the demo, Telegram in production."""

    async def ready(self, chat_id: int) -> None:
        """Wait until a message to `chat_id` would leave without waiting for the chat's own
        pacing: the outbox takes one of its few in-flight slots only then."""
        ...

    def spacing(self, chat_id: int) -> float:
        """Seconds the chat's own pacing puts between two of its messages (0 when nothing
        paces it): the outbox starts the chats whose messages will take longest first, so
        they do not finish last, alone, while the overall budget sits idle."""
        ...

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        """Try once to deliver `message`; never raise for an answer the protocol defines."""
        ...
