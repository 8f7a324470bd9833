"""State and side effects shared by the UnitDeadline workflow's loop and its updates.

Kept apart from the workflow class so each file reads on its own: here, what a deadline
holds and how it is mirrored (store) and announced (outbox); there, when things happen.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    import workflows.deadline_state as ds
    from boundary.types import (
        CloseRequest,
        DeadlineState,
        ExtensionRecord,
        HistoryEntry,
        Step,
        SubmissionRecord,
        Timeline,
        UnitDeadlineInput,
        UpdateResult,
    )
    from deadlines.expected import DeadlineStatus
    from deadlines.opening import opening

OPENED_BY_CYCLE = "opened-recorded-by-cycle"
"""Patch: a unit whose input carries `opened_at` does not record "opened" itself."""

STORE_CALL: dict[str, Any] = {
    "start_to_close_timeout": timedelta(minutes=1),
    "retry_policy": RetryPolicy(maximum_interval=timedelta(minutes=5)),
}


class DeadlineCore:
    def _setup(self, inp: UnitDeadlineInput) -> None:
        self._inp = inp
        self._timeline: Timeline = inp.cycle.timeline
        self._pending: list[Step] = ds.order_steps(list(inp.cycle.timeline.steps))
        self._done: list[str] = []
        self._status = DeadlineStatus.SCHEDULED
        self._submission: SubmissionRecord | None = None
        self._extensions: list[ExtensionRecord] = []
        self._excused = False
        self._missing = False
        self._close: CloseRequest | None = None
        self._finished = False
        self._applied: dict[str, UpdateResult] = {}
        self._history: list[HistoryEntry] = []
        self._acks: list[str] = []
        self._snoozes = 0
        self._reminders = 0
        self._escalations = 0
        self._changed = False
        self._store_lock = asyncio.Lock()

    def _settled(self) -> bool:
        return self._excused or self._missing or self._submission is not None

    def _derive(self) -> DeadlineStatus:
        return ds.derive_status(
            workflow.now(),
            self._inp.cycle.opens_at,
            self._timeline,
            submitted_on_time=None if self._submission is None else self._submission.on_time,
            excused=self._excused,
            missing=self._missing,
        )

    def _escalation_recipients(self, to: str) -> list[str]:
        contacts = self._inp.contacts
        if to == "head":
            return [contacts.head] if contacts.head else []
        if to == "supervisor":
            return list(contacts.supervisors)
        return list(contacts.focal_points)

    def _seen(self, request_id: str) -> bool:
        if not request_id:
            raise ds.refusal("request_id")
        return request_id in self._applied

    def _apply(self, request_id: str, message: str = "") -> UpdateResult:
        self._changed = True
        result = UpdateResult(self._status.value, message=message)
        self._applied[request_id] = result
        return result

    def _duplicate(self, request_id: str) -> UpdateResult:
        first = self._applied[request_id]
        return UpdateResult(first.status, duplicate=True, message=first.message)

    def _require_open(self) -> None:
        if self._finished or self._close is not None:
            raise ds.refusal("closed")

    def _pending_extension(self) -> ExtensionRecord | None:
        return next((e for e in self._extensions if e.status in ("requested", "deciding")), None)

    def _state(self) -> DeadlineState:
        """The full state and history, as the `state` query returns it."""
        return DeadlineState(
            workflow_id=workflow.info().workflow_id,
            calendar_id=self._inp.cycle.calendar_id,
            obligation_id=self._inp.cycle.obligation_id,
            period_id=self._inp.cycle.period_id,
            unit_id=self._inp.unit_id,
            status=self._status.value,
            due_at=self._timeline.legal_end_at,
            legal_end_at=self._inp.cycle.timeline.legal_end_at,
            closes_at=self._timeline.closes_at,
            pending_steps=list(self._pending),
            done_steps=list(self._done),
            reminders_sent=self._reminders,
            escalations_sent=self._escalations,
            submission=self._submission,
            extensions=list(self._extensions),
            acknowledged_by=list(self._acks),
            snoozes=self._snoozes,
            history=list(self._history),
            finished=self._finished,
        )

    # --- side effects ----------------------------------------------------------------------

    async def _open(self) -> None:
        """The "opened" event, first in the history and the store. A cycle opened late
        (first deployment mid-period, a sync that was down) does not send a burst of
        reminders about dates already gone; escalations still go out."""
        opened_at = self._inp.opened_at
        if opened_at is not None and workflow.patched(OPENED_BY_CYCLE):
            # The cycle stored this event already, with its batch of units, in one
            # transaction: the history takes it as stored; the main loop then records any
            # status changed since.
            opened = opening(self._inp, opened_at)
            self._status, self._pending = opened.status, opened.pending
            self._history.append(HistoryEntry(opened.at, "opened", "system", opened.details))
            return
        self._status = self._derive()
        self._pending, skipped = ds.reopen_pending(self._pending, workflow.now())
        details: dict[str, Any] = {"timeline_generation": 0}
        if skipped:
            details["skipped"] = skipped
        await self._record("opened", details=details)

    def _focal(self) -> list[str]:
        return list(self._inp.contacts.focal_points)

    async def _record(
        self, event: str, by: str = "system", details: dict[str, Any] | None = None, **extra: Any
    ) -> None:
        """Append to the history and mirror the state into the store, in event order."""
        entry = HistoryEntry(workflow.now(), event, by, details or {})
        self._history.append(entry)
        cycle = self._inp.cycle
        payload = act.DeadlineEvent(
            workflow_id=workflow.info().workflow_id,
            cycle_workflow_id=cycle.cycle_id,
            calendar_id=cycle.calendar_id,
            unit_id=self._inp.unit_id,
            seq=len(self._history),
            status=self._status.value,
            legal_end_at=cycle.timeline.legal_end_at,
            due_at=self._timeline.legal_end_at,
            reminders_sent=self._reminders,
            entry=entry,
            **extra,
        )
        async with self._store_lock:
            try:
                await workflow.execute_activity(act.RECORD_DEADLINE_EVENT, payload, **STORE_CALL)
            except ActivityError as exc:
                # The workflow is the truth; a store that refuses a row must not kill it.
                workflow.logger.error("store refused %s #%d: %s", event, payload.seq, exc.cause)

    async def _notify(
        self, step: str, kind: str, recipients: list[str], details: dict[str, Any]
    ) -> None:
        cycle = self._inp.cycle
        payload = ds.notification_payload(self._inp, self._timeline, kind, step, details)
        if not recipients:
            self._history.append(
                HistoryEntry(workflow.now(), "no_recipient", details={"step": step})
            )
            return
        try:
            await workflow.execute_activity(
                act.ENQUEUE_NOTIFICATION,
                act.NotifyInput(
                    workflow.info().workflow_id, cycle.calendar_id, step, recipients, payload
                ),
                **STORE_CALL,
            )
        except ActivityError as exc:
            workflow.logger.error("outbox refused %s: %s", step, exc.cause)
