"""`newsbot run` as a real child process, against the fake Bot API, for tests of what only a
real process shows: signals (SIGTERM, SIGKILL), restarts, several workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fakes.botapi import FakeBotApi

REPO = Path(__file__).resolve().parents[2]
WAIT = 60.0  # generous: a wait only ends early, it never decides the outcome


class Service:
    """The child process, configured by a TOML text, its log in a file (a pipe could fill
    and block it)."""

    def __init__(self, fake: FakeBotApi, folder: Path, database_url: str, config: str) -> None:
        path = folder / "newsbot.toml"
        path.write_text(config, encoding="utf-8")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
        self.env.update(
            TELEGRAM_BOT_TOKEN=fake.token,
            TELEGRAM_API_BASE_URL=fake.base_url,
            NEWSBOT_DATABASE_URL=database_url,
            NEWSBOT_CONFIG=str(path),
            NEWSBOT_POLL__HOST_INTERVAL="0",
            PTB_TIMEDELTA="1",
        )
        self.log = folder / "service.log"
        self.fake = fake
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *args: str) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "run", *args],
                cwd=REPO,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_until_sent(self, total: int) -> None:
        """Block until the fake has accepted `total` messages in all (the child sends them)."""
        try:
            self.fake.wait_for_sent(total, timeout=WAIT)
        except TimeoutError:
            got = len(self.fake.sent())
            message = f"{got} of {total} messages sent within {WAIT}s"
            raise AssertionError(f"{message}\n--- service log ---\n{self.tail()}") from None

    def stop(self, sig: signal.Signals, timeout: float = WAIT) -> int:
        """Send `sig` and wait for the process to end; returns its exit code."""
        assert self.process is not None
        self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self.process = None
        return code

    def kill(self) -> None:
        if self.process is not None:
            self.stop(signal.SIGKILL)

    def tail(self) -> str:
        return "\n".join(self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-40:])
