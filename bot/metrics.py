"""What the service is doing, as Prometheus counters and gauges.

A `Metrics` owns its `CollectorRegistry` instead of using prometheus_client's global one, so
two Applications in one process (tests, the demo beside a running bot) never collide, and the
metrics are wired at start-up like every other resource (STYLE habit 7). The methods take plain
counts, so this foundation depends on no stage: the stages report, the composition root counts.

Counters only go up, within one process; gauges (pending outbox, failing feeds) are set from
the database by the service, because they describe state shared with other processes.
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

__all__ = ["POLL_KINDS", "POLL_OUTCOMES", "PUSH_OUTCOMES", "Metrics"]

POLL_OUTCOMES = ("new", "unchanged", "not_modified", "failed")
# A feed polled at its own rhythm, a pushed feed's safety poll, a search feed's query.
POLL_KINDS = ("adaptive", "safety", "search")
# Pushes to a known callback: each is received, then accepted (signed) or rejected.
PUSH_OUTCOMES = ("received", "accepted", "rejected")
# The outbox's message kinds (OutboxKind); others are counted too, they just start unseen.
SEND_KINDS = ("alert", "followup", "edit", "digest", "away", "notice", "reply")
RetryReason = Literal["429", "error"]


class Metrics:
    """The bot's counters and gauges, in a registry of their own; `render()` is the exposition."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.feed_polls = Counter(
            "newsbot_feed_polls", "Feed polls, by outcome.", ["outcome"], registry=r
        )
        self.polls_by_kind = Counter(
            "newsbot_polls_by_kind",
            "Feed polls, by kind: adaptive, safety (a pushed feed), search.",
            ["kind"],
            registry=r,
        )
        self.pushes = Counter(
            "newsbot_websub_pushes",
            "WebSub pushes to a known callback: received, then accepted or rejected (signature).",
            ["outcome"],
            registry=r,
        )
        self.feed_failures = Gauge(
            "newsbot_feed_failures", "Active feeds whose last poll failed.", registry=r
        )
        self.stories = Counter("newsbot_stories", "New stories created.", registry=r)
        self.articles = Counter("newsbot_articles", "New articles stored.", registry=r)
        self.alerts_queued = Counter(
            "newsbot_alerts_queued", "Alerts queued for chats (new stories).", registry=r
        )
        self.alert_updates_queued = Counter(
            "newsbot_alert_updates_queued",
            "Edits and follow-ups of alerts already sent, queued.",
            registry=r,
        )
        self.messages_sent = Counter(
            "newsbot_messages_sent", "Messages the channel accepted, by kind.", ["kind"], registry=r
        )
        self.deliveries = Counter(
            "newsbot_deliveries",
            "Outbox send attempts, by what came of them (sent, retried, rejected, undeliverable).",
            ["outcome"],
            registry=r,
        )
        self.send_retries = Counter(
            "newsbot_send_retries",
            'Sends to try again, by reason: "429" (flood control) or "error".',
            ["reason"],
            registry=r,
        )
        self.chats_gone = Counter(
            "newsbot_chats_gone", "Chats deactivated because they blocked or left us.", registry=r
        )
        self.outbox_pending = Gauge(
            "newsbot_outbox_pending", "Outbox messages waiting to be sent.", registry=r
        )
        self.digests_queued = Counter("newsbot_digests_queued", "Digests queued.", registry=r)
        # Known label values start at 0, so a dashboard's rate() has a series before the first
        # event instead of a gap.
        for outcome in POLL_OUTCOMES:
            self.feed_polls.labels(outcome=outcome)
        for kind in POLL_KINDS:
            self.polls_by_kind.labels(kind=kind)
        for outcome in PUSH_OUTCOMES:
            self.pushes.labels(outcome=outcome)
        for kind in SEND_KINDS:
            self.messages_sent.labels(kind=kind)
        for outcome in ("sent", "retried", "rejected", "undeliverable"):
            self.deliveries.labels(outcome=outcome)
        for reason in ("429", "error"):
            self.send_retries.labels(reason=reason)

    # ---- ingest ------------------------------------------------------------------------------

    def polled(
        self,
        outcome: str,
        *,
        articles: int = 0,
        stories: int = 0,
        alerts: int = 0,
        updates: int = 0,
        kind: str = "adaptive",
    ) -> None:
        """One feed poll: its outcome and kind, and the articles, stories and alerts it made."""
        self.feed_polls.labels(outcome=outcome).inc()
        self.polls_by_kind.labels(kind=kind).inc()
        self.articles.inc(articles)
        self.stories.inc(stories)
        self.alerts_queued.inc(alerts)
        self.alert_updates_queued.inc(updates)

    def pushed(self, outcome: str) -> None:
        """A WebSub push: "received", "accepted" or "rejected" (see PUSH_OUTCOMES)."""
        self.pushes.labels(outcome=outcome).inc()

    def digests(self, n: int) -> None:
        """`n` digests were queued (not the held alerts released after quiet hours)."""
        self.digests_queued.inc(n)

    # ---- delivery ----------------------------------------------------------------------------

    def delivered(
        self, *, sent: int = 0, retried: int = 0, rejected: int = 0, undeliverable: int = 0
    ) -> None:
        """One outbox pass, by outcome. Message kinds and retry reasons come per message from
        `sent` and `retry`."""
        self.deliveries.labels(outcome="sent").inc(sent)
        self.deliveries.labels(outcome="retried").inc(retried)
        self.deliveries.labels(outcome="rejected").inc(rejected)
        self.deliveries.labels(outcome="undeliverable").inc(undeliverable)

    def sent(self, kind: str) -> None:
        """The channel accepted one message of this kind (Outbox.kind: alert, digest...)."""
        self.messages_sent.labels(kind=kind).inc()

    def retry(self, reason: RetryReason) -> None:
        """One send to try again: "429" for flood control, "error" for anything else."""
        self.send_retries.labels(reason=reason).inc()

    def chat_gone(self) -> None:
        """A chat was deactivated: it blocked the bot, removed it, or was deleted."""
        self.chats_gone.inc()

    # ---- gauges ------------------------------------------------------------------------------

    def set_pending(self, n: int) -> None:
        self.outbox_pending.set(n)

    def set_failing_feeds(self, n: int) -> None:
        self.feed_failures.set(n)

    def render(self) -> bytes:
        """The Prometheus text exposition of this registry."""
        return generate_latest(self.registry)
