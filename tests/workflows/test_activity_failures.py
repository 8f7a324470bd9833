"""An activity that can never succeed with its input fails once, non-retryable
(activities.failures.StoreErrors), instead of being retried for ever (issue 12: an
extension to 31/12/9999 overflowed in replan_deadline on every attempt)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.worker import Worker

from activities.failures import StoreErrors
from tests.workflows.support import time_skipping


class Overflowing:
    def __init__(self) -> None:
        self.calls = 0

    @activity.defn(name="overflowing_plan")
    async def plan(self, days: int) -> str:
        self.calls += 1
        return (date(9999, 12, 31) + timedelta(days=days)).isoformat()


@workflow.defn(sandboxed=False)
class PlansOnce:
    @workflow.run
    async def run(self, days: int) -> list[str]:
        try:
            await workflow.execute_activity(
                "overflowing_plan",
                days,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=RetryPolicy(
                    maximum_attempts=5, initial_interval=timedelta(milliseconds=50)
                ),
            )
        except ActivityError as err:
            cause = err.cause
            assert isinstance(cause, ApplicationError)
            return [cause.type or "", cause.message, str(cause.non_retryable)]
        return ["ok"]


async def test_an_overflow_is_not_retried() -> None:
    overflowing = Overflowing()
    async with time_skipping() as env:
        queue = f"test-{uuid.uuid4().hex[:8]}"
        async with Worker(
            env.client,
            task_queue=queue,
            workflows=[PlansOnce],
            activities=[overflowing.plan],
            interceptors=[StoreErrors()],
        ):
            outcome = await env.client.execute_workflow(
                PlansOnce.run, 10, id=f"overflow-{uuid.uuid4().hex[:8]}", task_queue=queue
            )
    assert overflowing.calls == 1
    assert outcome[0] == "OverflowError" and outcome[2] == "True"
    assert outcome[1].startswith("OverflowError: ")
