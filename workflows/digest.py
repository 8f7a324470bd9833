"""Digest: run by a Temporal Schedule (daily on working days, weekly), sends each
supervisor one message listing the overdue units under him.

An activity plans the firing (which calendars have a working day today, their supervisors,
the period key in the calendar's time zone); one activity per supervisor then builds the
digest and queues it. The period key is part of the outbox step, so a schedule that fires
twice in a period, or a workflow retried, queues each digest once.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    from boundary.types import DigestRunInput, DigestRunResult

DAILY_SCHEDULE_ID = "hanchot-digest-daily"
WEEKLY_SCHEDULE_ID = "hanchot-digest-weekly"
DAILY_WORKFLOW_ID = "digest-daily"
WEEKLY_WORKFLOW_ID = "digest-weekly"

_OPTS = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=20),
}


@workflow.defn(name="Digest")
class Digest:
    @workflow.run
    async def run(self, inp: DigestRunInput) -> DigestRunResult:
        at = workflow.now()
        plan = await workflow.execute_activity(
            act.PLAN_DIGESTS,
            act.DigestPlanInput(at, inp),
            result_type=act.DigestPlan,
            **_OPTS,
        )
        result = DigestRunResult(skipped=list(plan.skipped))
        for target in plan.targets:
            outcome = await workflow.execute_activity(
                act.BUILD_AND_ENQUEUE_DIGEST,
                act.DigestInput(target, at),
                result_type=act.DigestOutcome,
                **_OPTS,
            )
            result.queued += outcome.queued
            result.already += outcome.already
            if target.period_key not in result.period_keys:
                result.period_keys.append(target.period_key)
        return result
