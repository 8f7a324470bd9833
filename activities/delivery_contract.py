"""Name, input and task queue of the delivery activity, for workflows to call it by.

No I/O here, so workflow code may import it. Delivery runs on its own task queue,
`<main queue>.notify`, served by the notifier process (`hanchot notify`): the only
process that talks to SMTP and Telegram, so its pacer really is the bot's pace, and a
notifier that is down delays messages (they wait in Temporal and the outbox) without
holding up any deadline's timers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from temporalio.common import RetryPolicy

DELIVER_NOTIFICATION = "deliver_notification"
NOTIFY_QUEUE_SUFFIX = ".notify"

START_TO_CLOSE = timedelta(minutes=2)
RETRY_POLICY = RetryPolicy(
    initial_interval=timedelta(seconds=30),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(hours=1),
    non_retryable_error_types=["PermanentDeliveryError"],
)
"""Transient failures retry with backoff for as long as it takes; a 429 overrides the
next delay with Telegram's `retry_after`."""


def delivery_queue(main_queue: str) -> str:
    """`hanchot` -> `hanchot.notify`: derived, so a test's own queue gets its own."""
    return main_queue + NOTIFY_QUEUE_SUFFIX


@dataclass
class DeliverInput:
    """The outbox key of what to deliver: every row of `step`, or one channel/recipient."""

    workflow_id: str
    step: str
    channel: str | None = None
    """"email" or "telegram"; None: every channel."""
    recipient: str | None = None
    """Person id (config key); None: every recipient of the step."""


@dataclass
class DeliveryResult:
    sent: int = 0
    already: int = 0
    held: int = 0
    """Kept in the outbox: the channel has no credentials in this deployment."""
    unreachable: int = 0
    skipped: int = 0
    disabled: int = 0
    failed: int = 0
    details: list[str] = field(default_factory=list)
