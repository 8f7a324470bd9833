"""Prometheus metrics of the notifier: what it sent and how, and what came back in.

They are counted in the process that does the work (`hanchot notify`: deliveries and email
replies; `hanchot bot`: Telegram replies) and served by it (`hanchot.metrics`). Gauges
that must stay true across restarts (outbox backlog, overdue deadlines) are not here:
they are read from the store at scrape time (`hanchot.metrics.StoreCollector`).

Label values are small fixed sets: a delivery's outcome is `notifier.delivery`'s own
status word, a reply's reason a short class, never free text.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from notifier.delivery import Outcome

NOTIFICATIONS = Counter(
    "hanchot_notifications",
    "Outbox rows delivery tried, by channel, payload kind and outcome "
    "(sent, already, held, unreachable, skipped, disabled, failed, retry, contended).",
    ["channel", "kind", "outcome"],
)

SEND_SECONDS = Histogram(
    "hanchot_send_seconds",
    "Time of one transport send (SMTP transaction, Bot API call), whatever its outcome.",
    ["channel"],
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)

INBOUND_REPLIES = Counter(
    "hanchot_inbound_replies",
    "Replies and actions that came in (email, Telegram), by what became of them and why.",
    ["channel", "outcome", "reason"],
)

CONTENDED = "being sent by another attempt"
"""The error of a claim that met a live `sending` claim: no send was tried, so it is
counted as `contended`, not as a transient failure."""

_TELEGRAM_REASONS = {
    "unlinked chat": "unlinked",
    "forged or malformed button": "forged",
    "not a focal point of the unit": "not_focal_point",
    "not the recipient of the request": "not_recipient",
    "nothing owed": "nothing_owed",
}


def delivery_outcome(status: str, error: str | None) -> str:
    return "contended" if status == "retry" and error == CONTENDED else status


def reason_class(outcome: str, reason: str | None) -> str:
    """A short class for a reply's reason: the Telegram handlers' fixed English phrases,
    the size refusals, else `refused` (the engine's own refusal, free text)."""
    if outcome == "applied":
        return ""
    text = (reason or "").strip()
    if text in _TELEGRAM_REASONS:
        return _TELEGRAM_REASONS[text]
    if text.startswith("file of ") or "over the limit" in text:
        return "too_large"
    return "refused"


def count_reply(channel: str, outcome: str, reason: str | None, cls: str | None = None) -> None:
    """One reply recorded; `cls` when the caller knows the class (the email judge)."""
    label = cls if cls is not None else reason_class(outcome, reason)
    INBOUND_REPLIES.labels(channel, outcome, label).inc()


_LEVELS = {
    "sent": logging.INFO,
    "unreachable": logging.INFO,
    "skipped": logging.INFO,
    "retry": logging.WARNING,
    "failed": logging.WARNING,
    "disabled": logging.WARNING,
}
"""`already`, `held` and `contended` change nothing: debug."""


def observe_delivery(outcome: Outcome, log: logging.Logger) -> None:
    """Count a delivery's outcome and log it with the row's identity as `extra` fields
    (workflow_id, step, channel, kind, outbox_id, message_id, outcome)."""
    label = delivery_outcome(outcome.status, outcome.error)
    if outcome.channel:  # empty only for a row id that does not exist
        NOTIFICATIONS.labels(outcome.channel, outcome.kind, label).inc()
    level = _LEVELS.get(label, logging.DEBUG)
    if not log.isEnabledFor(level):
        return
    log.log(
        level,
        "outbox row %d %s: %s",
        outcome.row_id,
        label,
        outcome.error or outcome.message_id or "-",
        extra={
            "workflow_id": outcome.workflow_id,
            "step": outcome.step,
            "channel": outcome.channel,
            "kind": outcome.kind,
            "outbox_id": outcome.row_id,
            "message_id": outcome.message_id,
            "outcome": label,
        },
    )
