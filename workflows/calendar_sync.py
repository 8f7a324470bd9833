"""CalendarSync: run daily by a Temporal Schedule, opens every cycle whose window started.

The work is two activities: find the due cycles (reads the calendars as they are today,
leaves out cycles the store already has) and start their Cycle workflows with an
idempotent start. Running it twice, or two runs overlapping, opens nothing twice.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    from boundary.types import CycleRef, SyncInput, SyncResult

SCHEDULE_ID = "hanchot-calendar-sync"
WORKFLOW_ID = "calendar-sync"

_OPTS = {
    "start_to_close_timeout": timedelta(minutes=10),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5), maximum_attempts=20),
}


@workflow.defn(name="CalendarSync")
class CalendarSync:
    @workflow.run
    async def run(self, inp: SyncInput) -> SyncResult:
        due = await workflow.execute_activity(
            act.FIND_DUE_CYCLES,
            act.DueCyclesInput(workflow.now(), list(inp.calendar_ids)),
            result_type=list[CycleRef],
            **_OPTS,
        )
        started: list[str] = []
        if due:
            started = await workflow.execute_activity(
                act.START_CYCLES,
                act.StartCyclesInput(due, workflow.info().task_queue),
                result_type=list[str],
                **_OPTS,
            )
        return SyncResult(due=[r.workflow_id for r in due], started=started)
