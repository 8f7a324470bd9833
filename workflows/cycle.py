"""The Cycle workflow: one obligation in one period, from opening to close.

It freezes the cycle's snapshot (an activity writes it to the store), starts one
UnitDeadline per expected unit from activities in batches (never as children: a cycle of
10,000 units would pass Temporal's 2,000 pending-children limit, and each child costs
history events; a batch of 500 costs a handful), then sleeps until the cycle closes and
records the tally. A coordinator may close it early with the `close` update.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    from boundary.types import CloseRequest, CycleInput, CycleProgress, UpdateResult

FINISH_DELAY = timedelta(hours=1)
"""The tally waits this long after the close so the units' own close events are stored."""

_BATCH = {
    "start_to_close_timeout": timedelta(minutes=30),
    "heartbeat_timeout": timedelta(minutes=2),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}
_STORE = {
    "start_to_close_timeout": timedelta(minutes=5),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}


@workflow.defn(name="Cycle")
class Cycle:
    @workflow.init
    def __init__(self, inp: CycleInput) -> None:
        self._progress = CycleProgress(workflow_id=inp.ref.workflow_id)
        self._close: CloseRequest | None = None

    @workflow.run
    async def run(self, inp: CycleInput) -> CycleProgress:
        facts = await workflow.execute_activity(
            act.FREEZE_CYCLE,
            act.FreezeCycleInput(inp.ref, workflow.now()),
            result_type=act.CycleFacts,
            **_STORE,
        )
        self._progress.expected = facts.expected
        self._progress.closes_at = facts.closes_at
        task_queue = workflow.info().task_queue
        for offset in range(0, facts.expected, inp.batch_size):
            batch = await workflow.execute_activity(
                act.OPEN_UNIT_BATCH,
                act.UnitBatchInput(inp.ref.workflow_id, offset, inp.batch_size, task_queue),
                result_type=act.UnitBatchResult,
                **_BATCH,
            )
            self._progress.opened += batch.started
            self._progress.existing += batch.existing
        timeout = facts.closes_at + FINISH_DELAY - workflow.now()
        if timeout > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._close is not None, timeout=timeout)
        if self._close is not None:
            for offset in range(0, facts.expected, inp.batch_size):
                await workflow.execute_activity(
                    act.CLOSE_UNIT_BATCH,
                    act.UnitBatchInput(
                        inp.ref.workflow_id, offset, inp.batch_size, task_queue, self._close.by
                    ),
                    result_type=act.UnitBatchResult,
                    **_BATCH,
                )
        self._progress.tally = await workflow.execute_activity(
            act.FINISH_CYCLE,
            act.FinishCycleInput(inp.ref.workflow_id, workflow.now()),
            result_type=dict[str, int],
            **_STORE,
        )
        self._progress.closed = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._progress

    @workflow.update
    def close(self, req: CloseRequest) -> UpdateResult:
        """Close the cycle now: every unit still unsettled is marked missing."""
        if self._close is None:
            self._close = req
            return UpdateResult("closing")
        return UpdateResult("closing", duplicate=True)

    @close.validator
    def _check_close(self, req: CloseRequest) -> None:
        if self._progress.closed:
            raise ValueError("the cycle is already closed")

    @workflow.query
    def progress(self) -> CycleProgress:
        return self._progress
