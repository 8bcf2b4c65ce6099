"""The health server's mounts (bot/health.py): a handler under a path prefix, beside /healthz
and /metrics, gets the request with its body read within the mount's cap."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from bot.health import Answer, HealthServer, Mount, Request
from bot.metrics import Metrics


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Answer:
        self.requests.append(request)
        if request.path == "boom":
            raise RuntimeError("secret detail")
        return Answer(202, b"taken", headers={"X-Seen": "1"})


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def base(recorder: Recorder) -> Iterator[str]:
    server = HealthServer(Metrics(), lambda: True, mounts=[Mount("/hooks", recorder, 100)])
    server.start()
    yield f"http://127.0.0.1:{server.port}"
    server.stop()


def test_a_get_under_the_prefix_reaches_the_handler(base: str, recorder: Recorder) -> None:
    response = httpx.get(f"{base}/hooks/tok?a=1&b=2", timeout=5)
    assert (response.status_code, response.text) == (202, "taken")
    assert response.headers["X-Seen"] == "1"
    [request] = recorder.requests
    assert (request.method, request.path, request.query) == ("GET", "tok", "a=1&b=2")


def test_a_post_reaches_the_handler_with_its_body_and_headers(
    base: str, recorder: Recorder
) -> None:
    httpx.post(f"{base}/hooks/tok", content=b"<feed/>", headers={"X-Hub-Signature": "s"})
    [request] = recorder.requests
    assert (request.body, request.headers["x-hub-signature"]) == (b"<feed/>", "s")


def test_a_body_over_the_cap_is_refused_unread(base: str, recorder: Recorder) -> None:
    response = httpx.post(f"{base}/hooks/tok", content=b"x" * 101, timeout=5)
    assert response.status_code == 413
    assert recorder.requests == []


def test_paths_outside_the_mount_are_not_its_own(base: str, recorder: Recorder) -> None:
    assert httpx.get(f"{base}/hooks", timeout=5).status_code == 404
    assert httpx.post(f"{base}/hooksx/tok", content=b"", timeout=5).status_code == 404
    assert recorder.requests == []


def test_a_failing_handler_answers_500_without_its_details(base: str) -> None:
    response = httpx.get(f"{base}/hooks/boom", timeout=5)
    assert (response.status_code, response.text) == (500, "internal error\n")


def test_health_and_metrics_are_served_as_before(base: str) -> None:
    assert httpx.get(f"{base}/healthz", timeout=5).text == "ok\n"
    assert httpx.get(f"{base}/metrics", timeout=5).status_code == 200


def test_a_mounts_paths_never_reach_the_log(base: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="bot.health")
    httpx.get(f"{base}/hooks/secret-token?hub.challenge=c", timeout=5)
    httpx.get(f"{base}/healthz", timeout=5)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "/healthz" in logged and "/hooks/…" in logged
    assert "secret-token" not in logged
