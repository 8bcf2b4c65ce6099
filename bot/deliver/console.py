"""The console channel: prints each message as it would be sent, for the demo and for running
without a Telegram token. It accepts everything, like a chat that never says no."""

from __future__ import annotations

import sys
from itertools import count
from typing import TextIO

from bot.deliver.channel import OutgoingMessage, SendOutcome, Sent

__all__ = ["ConsoleChannel"]


class ConsoleChannel:
    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self._ids = count(1)
        self.sent: list[OutgoingMessage] = []

    async def ready(self, chat_id: int) -> None:
        """The console is never busy."""

    def spacing(self, chat_id: int) -> float:
        """Nothing paces the console."""
        return 0.0

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        rule = "─" * 72
        lines = [
            rule,
            f"to chat {message.chat_id} (outbox #{message.outbox_id})",
            rule,
            message.text,
        ]
        for row in message.buttons:
            lines.append("  ".join(f"[{button.text}]" for button in row))
        print("\n".join(lines) + "\n", file=self.stream, flush=True)
        self.sent.append(message)
        return Sent(message_id=next(self._ids))
