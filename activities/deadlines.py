"""Activities of a UnitDeadline: mirror its events into the store, queue its messages.

Both are idempotent (see store.deadlines_repo and store.outbox) and run the synchronous
store code in a thread so the worker's event loop keeps polling.
"""

from __future__ import annotations

import asyncio
import dataclasses

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts as act
from activities.store_access import StoreAccess
from store import deadlines_repo, outbox


class DeadlineActivities:
    def __init__(self, store: StoreAccess) -> None:
        self._store = store

    @activity.defn(name=act.RECORD_DEADLINE_EVENT)
    async def record_deadline_event(self, event: act.DeadlineEvent) -> bool:
        return await asyncio.to_thread(self._record, event)

    def _record(self, ev: act.DeadlineEvent) -> bool:
        row = deadlines_repo.DeadlineRow(
            workflow_id=ev.workflow_id,
            cycle_workflow_id=ev.cycle_workflow_id,
            calendar_key=ev.calendar_id,
            unit_key=ev.unit_id,
            seq=ev.seq,
            status=ev.status,
            legal_end_at=ev.legal_end_at,
            due_at=ev.due_at,
            reminders_sent=ev.reminders_sent,
            event=ev.entry.event,
            at=ev.entry.at,
            by=ev.entry.by,
            details=ev.entry.details,
        )
        submission = dataclasses.asdict(ev.submission) if ev.submission else None
        extension = dataclasses.asdict(ev.extension) if ev.extension else None
        evidence = [dataclasses.asdict(e) for e in ev.evidence]
        with self._store.write() as session:
            try:
                return deadlines_repo.apply_event(session, row, submission, evidence, extension)
            except deadlines_repo.StoreMissing as exc:
                # Retrying cannot create a missing calendar row: fail for a person to see.
                raise ApplicationError(str(exc), non_retryable=True) from exc

    @activity.defn(name=act.ENQUEUE_NOTIFICATION)
    async def enqueue_notification(self, inp: act.NotifyInput) -> act.NotifyResult:
        return await asyncio.to_thread(self._enqueue, inp)

    def _enqueue(self, inp: act.NotifyInput) -> act.NotifyResult:
        with self._store.write() as session:
            queued = outbox.enqueue(
                session,
                workflow_id=inp.workflow_id,
                calendar_key=inp.calendar_id,
                step=inp.step,
                recipients=inp.recipients,
                payload=inp.payload,
            )
        if queued.unreachable:
            activity.logger.warning(
                "%s %s: no channel for %s", inp.workflow_id, inp.step, queued.unreachable
            )
        return act.NotifyResult(queued.queued, queued.already, queued.unreachable)

    def all(self) -> list[object]:
        return [self.record_deadline_event, self.enqueue_notification]
