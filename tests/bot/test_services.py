"""`Services.start_http` (bot/services.py): the health port serves WebSub's callbacks when
WebSub is on, in every mode (console, long polling and webhook all start it)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import urlencode

import httpx

from bot.clock import FrozenClock
from bot.deliver import ConsoleChannel
from bot.services import Services
from bot.settings import Settings, WebSubSettings
from tests.fakes import NOW
from tests.fakes.websub_hub import add_subscription, free_port

TOPIC = "https://outlet.example/feed.xml"


def verification(port: int) -> httpx.Response:
    query = urlencode({"hub.mode": "subscribe", "hub.topic": TOPIC, "hub.challenge": "c-42"})
    return httpx.get(f"http://127.0.0.1:{port}/websub/tok?{query}", timeout=5)


async def started(tmp_path: Path, **settings: object) -> tuple[Services, int]:
    port = free_port()
    config = Settings(
        database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}", health_port=port, **settings
    )
    services = Services.build(config, ConsoleChannel(), clock=FrozenClock(NOW))
    add_subscription(services.db, TOPIC)
    return services, port


async def test_with_websub_on_the_health_port_answers_hubs(tmp_path: Path) -> None:
    websub = WebSubSettings(public_url="https://bot.example/websub")
    services, port = await started(tmp_path, websub=websub)
    server = services.start_http()
    try:
        response = await asyncio.to_thread(verification, port)
    finally:
        assert server is not None
        server.stop()
        await services.aclose()
    assert (response.status_code, response.text) == (200, "c-42")


async def test_with_websub_off_the_health_port_serves_health_only(tmp_path: Path) -> None:
    services, port = await started(tmp_path)
    server = services.start_http()
    try:
        response = await asyncio.to_thread(verification, port)
        health = await asyncio.to_thread(httpx.get, f"http://127.0.0.1:{port}/healthz")
    finally:
        assert server is not None
        server.stop()
        await services.aclose()
    assert response.status_code == 404
    assert health.status_code == 200
