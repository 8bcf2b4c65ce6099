"""The channel when the network itself fails: a dropped connection and an answer that never
comes are retried later, never raised and never lost. Real sockets on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.deliver.channel import OutgoingMessage, Retry
from bot.telegram.pacing import PacedRateLimiter, Pacer, Pacing
from bot.telegram.send import TelegramChannel


class BadServer:
    """Accepts connections, then either closes them at once (`drop`) or never answers."""

    def __init__(self, drop: bool) -> None:
        self.drop = drop
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.stop = threading.Event()
        self.held: list[socket.socket] = []
        self.accepted = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            if self.drop:
                conn.recv(65536)
                conn.close()
            else:
                self.held.append(conn)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/bot"

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for conn in self.held:
            conn.close()
        self.sock.close()


@pytest.fixture(params=[True, False], ids=["dropped-connection", "no-answer"])
def server(request: pytest.FixtureRequest) -> Iterator[BadServer]:
    bad = BadServer(drop=request.param)
    yield bad
    bad.close()


async def test_network_failures_are_retried_later(server: BadServer) -> None:
    request = HTTPXRequest(read_timeout=0.3, write_timeout=0.3, connect_timeout=0.3)
    limiter = PacedRateLimiter(Pacer(Pacing()))
    bot = ExtBot("123:ABC", base_url=server.base_url, request=request, rate_limiter=limiter)
    # `initialize` would call getMe; a channel only needs the bot's request objects started.
    await request.initialize()
    channel = TelegramChannel(bot, timeout_backoff=7.0)
    outcome = await channel.send(OutgoingMessage(outbox_id=1, chat_id=42, text="hello"))
    await request.shutdown()
    assert isinstance(outcome, Retry) and outcome.after == 7.0 and not outcome.chat_wide
    assert server.accepted >= 1  # the request really went out
