"""Metrics and the health server, read over real HTTP the way Prometheus and a prober read them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

from bot.health import HealthServer
from bot.metrics import POLL_KINDS, PUSH_OUTCOMES, Metrics
from bot.services import refresh_gauges
from bot.store import Chat, Feed, Outbox, OutboxStatus, open_database

MORNING = datetime(2025, 12, 21, 8, 0, tzinfo=UTC)  # a digest is due


def samples(body: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of an exposition: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def value(body: str, name: str, **labels: str) -> float:
    return samples(body)[(name, frozenset(labels.items()))]


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
def serve(metrics: Metrics) -> Iterator[Callable[..., HealthServer]]:
    """Starts a HealthServer on a free port of 127.0.0.1 and stops it after the test."""
    started: list[HealthServer] = []

    def start(check: Callable[[], bool | str] = lambda: True) -> HealthServer:
        server = HealthServer(metrics, check).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def get(server: HealthServer, path: str) -> httpx.Response:
    return httpx.get(f"http://127.0.0.1:{server.port}{path}", timeout=5)


def test_metrics_endpoint_shows_poll_counters_by_outcome(
    metrics: Metrics, serve: Callable[..., HealthServer]
) -> None:
    metrics.polled("new", articles=3, stories=2, alerts=4, updates=1)
    metrics.polled("new", articles=1, stories=0, alerts=1)
    metrics.polled("not_modified")
    metrics.polled("failed")
    response = get(serve(), "/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"] == CONTENT_TYPE_LATEST
    body = response.text
    assert value(body, "newsbot_feed_polls_total", outcome="new") == 2
    assert value(body, "newsbot_feed_polls_total", outcome="not_modified") == 1
    assert value(body, "newsbot_feed_polls_total", outcome="failed") == 1
    assert value(body, "newsbot_feed_polls_total", outcome="unchanged") == 0
    assert value(body, "newsbot_articles_total") == 4
    assert value(body, "newsbot_stories_total") == 2
    assert value(body, "newsbot_alerts_queued_total") == 5
    assert value(body, "newsbot_alert_updates_queued_total") == 1


def test_metrics_endpoint_shows_polls_by_kind_and_pushes_by_outcome(
    metrics: Metrics, serve: Callable[..., HealthServer]
) -> None:
    metrics.polled("new", kind="safety")
    metrics.polled("not_modified")
    for outcome in ("received", "accepted", "received", "rejected"):
        metrics.pushed(outcome)
    body = get(serve(), "/metrics").text
    kinds = [value(body, "newsbot_polls_by_kind_total", kind=k) for k in POLL_KINDS]
    pushes = [value(body, "newsbot_websub_pushes_total", outcome=o) for o in PUSH_OUTCOMES]
    assert (kinds, pushes) == ([1, 1, 0], [2, 1, 1])


def test_metrics_endpoint_shows_delivery_counters(
    metrics: Metrics, serve: Callable[..., HealthServer]
) -> None:
    metrics.delivered(sent=5, retried=2, rejected=1, undeliverable=1)
    metrics.delivered(sent=1)
    for kind in ("alert", "alert", "digest"):
        metrics.sent(kind)
    metrics.retry("429")
    metrics.retry("error")
    metrics.retry("429")
    metrics.chat_gone()
    metrics.digests(3)
    body = get(serve(), "/metrics").text
    assert value(body, "newsbot_deliveries_total", outcome="sent") == 6
    assert value(body, "newsbot_deliveries_total", outcome="retried") == 2
    assert value(body, "newsbot_deliveries_total", outcome="rejected") == 1
    assert value(body, "newsbot_deliveries_total", outcome="undeliverable") == 1
    assert value(body, "newsbot_messages_sent_total", kind="alert") == 2
    assert value(body, "newsbot_messages_sent_total", kind="digest") == 1
    assert value(body, "newsbot_messages_sent_total", kind="notice") == 0
    assert value(body, "newsbot_send_retries_total", reason="429") == 2
    assert value(body, "newsbot_send_retries_total", reason="error") == 1
    assert value(body, "newsbot_chats_gone_total") == 1
    assert value(body, "newsbot_digests_queued_total") == 3


def test_gauges_show_what_was_set_last(
    metrics: Metrics, serve: Callable[..., HealthServer]
) -> None:
    metrics.set_pending(9)
    metrics.set_pending(4)
    metrics.set_failing_feeds(2)
    body = get(serve(), "/metrics").text
    assert value(body, "newsbot_outbox_pending") == 4
    assert value(body, "newsbot_feed_failures") == 2


def test_healthz_is_ok_when_the_check_passes(serve: Callable[..., HealthServer]) -> None:
    response = get(serve(lambda: True), "/healthz")
    assert (response.status_code, response.text) == (200, "ok\n")


def test_healthz_is_503_with_the_reason_when_the_check_fails(
    serve: Callable[..., HealthServer],
) -> None:
    response = get(serve(lambda: "database unreachable"), "/healthz")
    assert (response.status_code, response.text) == (503, "database unreachable\n")


def test_healthz_is_503_without_the_exception_text_when_the_check_raises(
    serve: Callable[..., HealthServer],
) -> None:
    def check() -> bool:
        raise ConnectionError("postgresql://bot:hunter2@db/newsbot refused")

    response = get(serve(check), "/healthz")
    assert response.status_code == 503
    assert response.text == "health check failed (ConnectionError)\n"


def test_healthz_runs_the_check_on_every_request(serve: Callable[..., HealthServer]) -> None:
    verdicts = iter([True, "no job pass for 300s"])
    server = serve(lambda: next(verdicts))
    assert get(server, "/healthz").status_code == 200
    assert get(server, "/healthz").status_code == 503


def test_unknown_path_is_404(serve: Callable[..., HealthServer]) -> None:
    server = serve()
    for path in ("/", "/metricsx", "/settings", "/healthz/../config"):
        assert get(server, path).status_code == 404, path


def test_query_string_is_ignored(serve: Callable[..., HealthServer]) -> None:
    assert get(serve(), "/healthz?verbose=1").status_code == 200


def test_two_metrics_instances_are_independent() -> None:
    first, second = Metrics(), Metrics()
    first.polled("new", articles=2)
    first.set_pending(5)
    assert value(first.render().decode(), "newsbot_articles_total") == 2
    assert value(second.render().decode(), "newsbot_articles_total") == 0
    assert value(second.render().decode(), "newsbot_outbox_pending") == 0


def test_stopped_server_frees_its_port(metrics: Metrics) -> None:
    server = HealthServer(metrics, lambda: True).start()
    port = server.port
    server.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port


def test_refresh_gauges_counts_pending_outbox_and_failing_active_feeds(
    metrics: Metrics, tmp_path: Path
) -> None:
    db = open_database(f"sqlite:///{tmp_path}/x.sqlite3")
    try:
        with db.session() as session:
            session.add_all(
                [
                    Feed(url="https://ok.example/rss", created_at=MORNING),
                    Feed(url="https://down.example/rss", created_at=MORNING, failures=3),
                    Feed(
                        url="https://paused.example/rss",
                        created_at=MORNING,
                        failures=50,
                        active=False,
                    ),
                    Chat(id=42, created_at=MORNING),
                ]
            )
            session.flush()
            for status in (OutboxStatus.PENDING, OutboxStatus.SENT, OutboxStatus.UNDELIVERABLE):
                session.add(
                    Outbox(
                        chat_id=42,
                        kind="alert",
                        text="hello",
                        status=status,
                        not_before=MORNING,
                        created_at=MORNING,
                    )
                )
        refresh_gauges(metrics, db)
    finally:
        db.dispose()
    body = metrics.render().decode()
    assert value(body, "newsbot_outbox_pending") == 1
    assert value(body, "newsbot_feed_failures") == 1
