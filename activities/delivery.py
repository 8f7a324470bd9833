"""The delivery activity: the bridge from a workflow's outbox rows to email and Telegram.

Each row is claimed, sent and recorded by `notifier.delivery.Deliverer`; this module only
turns the outcomes into what Temporal understands: a transient failure is a retryable
error (a 429's `retry_after` becomes the next retry delay), a permanent one is
non-retryable, raised only after it was recorded, the channel disabled and the
coordinators told.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.delivery_contract import DELIVER_NOTIFICATION, DeliverInput, DeliveryResult
from notifier.delivery import Deliverer, Outcome

PERMANENT = "PermanentDeliveryError"
TRANSIENT = "TransientDeliveryError"


def summarise(outcomes: list[Outcome]) -> DeliveryResult:
    result = DeliveryResult()
    for outcome in outcomes:
        if outcome.status == "retry":
            continue
        setattr(result, outcome.status, getattr(result, outcome.status) + 1)
        if outcome.error:
            result.details.append(f"#{outcome.row_id} {outcome.status}: {outcome.error}")
    return result


class DeliveryActivities:
    def __init__(self, deliverer: Deliverer) -> None:
        self._deliverer = deliverer

    @activity.defn(name=DELIVER_NOTIFICATION)
    async def deliver_notification(self, inp: DeliverInput) -> DeliveryResult:
        outcomes = await self._deliverer.deliver_step(
            inp.workflow_id, inp.step, inp.channel, inp.recipient
        )
        retry = [o for o in outcomes if o.status == "retry"]
        if retry:
            waits = [o.retry_after for o in retry if o.retry_after is not None]
            raise ApplicationError(
                "; ".join(f"#{o.row_id}: {o.error}" for o in retry),
                type=TRANSIENT,
                next_retry_delay=timedelta(seconds=max(waits)) if waits else None,
            )
        result = summarise(outcomes)
        permanent = [o for o in outcomes if o.permanent_failure]
        if permanent:
            raise ApplicationError(
                "; ".join(f"#{o.row_id} {o.status}: {o.error}" for o in permanent),
                result,
                type=PERMANENT,
                non_retryable=True,
            )
        return result

    def all(self) -> list[object]:
        return [self.deliver_notification]
