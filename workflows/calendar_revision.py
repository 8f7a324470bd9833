"""CalendarRevision: bring the running engine in line with one published calendar revision.

Started by the worker's revision watcher (hanchot.revision_watch) with the business id
`calendar-revision/<calendar>`, so revisions of a calendar are applied one at a time
however many workers see them; a revision overtaken by a newer one before its turn is
skipped (the newer one brings everything in line). First the deadlines in flight are
revised through their own `revise` update and the units that start owing in an open cycle
are started (one activity), then the cycles the revision makes due are opened as
CalendarSync would, and the revision is marked applied. A new workflow type rather than a
change to CalendarSync: histories of CalendarSync recorded before revisions existed replay
unchanged.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    from boundary.types import CycleRef, RevisionRun, SyncResult

_OPTS = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=1), maximum_attempts=20),
}


def workflow_id(calendar_id: str) -> str:
    """One id per calendar: two revisions of a calendar are never applied at once (an
    older one finishing after a newer one would put its data back)."""
    return f"calendar-revision/{calendar_id}"


@workflow.defn(name="CalendarRevision")
class CalendarRevision:
    @workflow.run
    async def run(self, inp: RevisionRun) -> SyncResult:
        task_queue = workflow.info().task_queue
        revision = act.RevisionInput(inp.calendar_id, inp.number, workflow.now(), task_queue)
        await workflow.execute_activity(
            act.APPLY_REVISION, revision, result_type=act.RevisionApplied, **_OPTS
        )
        due = await workflow.execute_activity(
            act.FIND_DUE_CYCLES,
            act.DueCyclesInput(workflow.now(), [inp.calendar_id]),
            result_type=list[CycleRef],
            **_OPTS,
        )
        started: list[str] = []
        if due:
            started = await workflow.execute_activity(
                act.START_CYCLES,
                act.StartCyclesInput(due, task_queue),
                result_type=list[str],
                **_OPTS,
            )
        await workflow.execute_activity(act.MARK_REVISION_APPLIED, revision, **_OPTS)
        return SyncResult(due=[r.workflow_id for r in due], started=started)
