"""The UnitDeadline workflow: one unit's deadline for one obligation in one period.

It holds the timeline frozen when the cycle opened, sleeps until the next timer (an
updatable timer: `wait_condition` with a timeout, re-armed whenever an update changes the
plan) and reacts to submit, extension, acknowledge, snooze, excuse, reopen and close.
Every change is mirrored to the store and every message goes to the outbox, each through
an activity; the workflow itself only holds UTC instants and decides.

The sandbox imports this module afresh for every workflow it starts, so it costs per unit:
no `from __future__ import annotations` (string annotations are compiled again when the
SDK reads the handlers' type hints), and its helpers are passed through.
"""

import contextlib
import dataclasses
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

# All passed through, deadline_core too (it holds no state of its own): the sandbox
# imports what is not afresh for every workflow it starts, a cost paid per unit.
with workflow.unsafe.imports_passed_through():
    import activities.contracts as act
    import workflows.deadline_state as ds
    from boundary.types import (
        ActorRequest,
        CloseRequest,
        DeadlineState,
        ExtensionDecision,
        ExtensionRecord,
        ExtensionRequestInput,
        RevisionUpdate,
        SnoozeRequest,
        Step,
        SubmissionRecord,
        SubmitRequest,
        Timeline,
        UnitDeadlineInput,
        UpdateResult,
    )
    from workflows.deadline_core import STORE_CALL, DeadlineCore


REPLAN_REFUSED = "replan-refused-reopens-request"
"""Patch: a re-plan that fails for good puts the extension request back to "requested"."""


@workflow.defn(name="UnitDeadline")
class UnitDeadline(DeadlineCore):
    @workflow.init
    def __init__(self, inp: UnitDeadlineInput) -> None:
        self._setup(inp)

    # --- main loop -------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: UnitDeadlineInput) -> DeadlineState:
        await self._open()
        while self._close is None and workflow.now() < self._timeline.closes_at:
            await self._refresh_status()
            step = self._due_step()
            if step is not None:
                await self._fire(step)
                continue
            timeout = self._next_wake() - workflow.now()
            self._changed = False
            if timeout > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(lambda: self._changed, timeout=timeout)
        await self._finish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state()

    def _due_step(self) -> Step | None:
        if self._settled() or not self._pending or self._pending[0].at > workflow.now():
            return None
        return self._pending.pop(0)

    def _next_wake(self) -> datetime:
        now = workflow.now()
        candidates = [self._timeline.closes_at]
        if not self._settled():
            candidates += [s.at for s in self._pending[:1]]
            bounds = ds.status_boundaries(self._inp.cycle.opens_at, self._timeline)
            candidates += [b for b in bounds if b > now]
        return min(candidates)

    async def _refresh_status(self) -> None:
        status = self._derive()
        if status != self._status:
            previous, self._status = self._status, status
            await self._record("status", details={"from": previous.value, "to": status.value})

    async def _fire(self, step: Step) -> None:
        self._done.append(step.key)
        if step.kind == "remind":
            self._reminders += 1
            recipients = list(self._inp.contacts.focal_points)
            event = "reminded"
        else:
            self._escalations += 1
            recipients = self._escalation_recipients(step.to)
            event = "escalated"
        details = {"step": step.key, "to": step.to, "at": step.at.isoformat()}
        if step.deferred_because:
            details["deferred_because"] = step.deferred_because
        await self._record(event, details=details)
        if step.kind == "escalate" and step.to == "supervisor":
            return  # supervisors read it in their digest, built from the store
        kind = "reminder" if step.kind == "remind" else "escalation"
        await self._notify(step.key, kind, recipients, {"to_role": step.to, **details})

    async def _finish(self) -> None:
        if not self._settled() and self._timeline.expects_submission:
            self._missing = True
        self._finished = True
        previous, self._status = self._status, self._derive()
        by = self._close.by if self._close is not None else "system"
        await self._record("closed", by, {"from": previous.value, "to": self._status.value})

    # --- updates ---------------------------------------------------------------------------

    @workflow.update
    async def submit(self, req: SubmitRequest) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        at = min(req.submitted_at or workflow.now(), workflow.now())
        on_time = at < self._timeline.legal_end_at
        self._submission = SubmissionRecord(
            req.request_id, req.by, at, on_time, req.channel, req.document_number, req.note
        )
        self._status = self._derive()
        result = self._apply(req.request_id)
        details = {"on_time": on_time, "submitted_at": at.isoformat()}
        if req.document_number:
            details["document_number"] = req.document_number
        await self._record(
            "submitted", req.by, details, submission=self._submission, evidence=req.evidence
        )
        await self._notify(f"receipt:{req.request_id}", "receipt", self._focal(), details)
        return result

    @submit.validator
    def _check_submit(self, req: SubmitRequest) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        if self._submission is not None:
            raise ds.refusal("already_submitted")
        if self._excused:
            raise ds.refusal("excused")
        if req.submitted_at is not None and req.submitted_at > workflow.now():
            raise ds.refusal("future")

    @workflow.update
    async def request_extension(self, req: ExtensionRequestInput) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        record = ExtensionRecord(req.request_id, req.by, workflow.now(), req.days, req.reason)
        self._extensions.append(record)
        result = self._apply(req.request_id)
        details = {"request": req.request_id, "days": req.days, "reason": req.reason}
        await self._record("extension_requested", req.by, details, extension=record)
        coordinators = list(self._inp.contacts.coordinators)
        await self._notify(
            f"extension-request:{req.request_id}", "extension_requested", coordinators, details
        )
        return result

    @request_extension.validator
    def _check_request_extension(self, req: ExtensionRequestInput) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        if self._settled():
            raise ds.refusal("settled", status=self._status.label_vi())
        if self._pending_extension() is not None:
            raise ds.refusal("pending_extension")
        if not 1 <= req.days <= ds.EXTENSION_MAX_DAYS:
            raise ds.refusal("extension_days", max=ds.EXTENSION_MAX_DAYS)
        if not req.reason.strip():
            raise ds.refusal("reason")

    @workflow.update
    async def decide_extension(self, req: ExtensionDecision) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        record = self._pending_extension()
        assert record is not None  # the validator saw it, and "deciding" blocks any other
        record.status = "deciding"
        if req.approve:
            new = await self._replan(record, req.new_last_day)
            self._timeline = new
            self._pending = ds.adopt_extension(new, workflow.now())
            record.new_last_day, record.new_due_at = new.last_day, new.legal_end_at
        record.status = "approved" if req.approve else "refused"
        record.decided_by, record.decided_at = req.by, workflow.now()
        if self._submission is None and not self._excused:
            self._status = self._derive()
        result = self._apply(req.request_id)
        details: dict[str, Any] = {"request": record.request_id, "approved": req.approve}
        if req.approve:
            details |= {"new_last_day": new.last_day, "due_at": new.legal_end_at.isoformat()}
        if req.note:
            details["note"] = req.note
        await self._record("extension_decided", req.by, details, extension=record)
        await self._notify(
            f"extension-decision:{record.request_id}", "extension_decided", self._focal(), details
        )
        return result

    async def _replan(self, record: ExtensionRecord, new_last_day: str | None) -> Timeline:
        try:
            return await workflow.execute_activity(
                act.REPLAN_DEADLINE,
                act.ReplanInput(
                    rules=self._inp.cycle.rules,
                    period_id=self._inp.cycle.period_id,
                    obligation_id=self._inp.cycle.obligation_id,
                    new_last_day=new_last_day,
                    current_last_day=self._timeline.last_day,
                    days=record.days,
                    generation=self._timeline.generation + 1,
                ),
                result_type=Timeline,
                **STORE_CALL,
            )
        except ActivityError:
            if not workflow.patched(REPLAN_REFUSED):
                raise
            # A date no timeline can hold: the request stays open to another decision
            # (it stayed "deciding" for ever, refusing every later decision).
            record.status = "requested"
            day = ds.day_vi(new_last_day) if new_last_day else f"+{record.days} ngày"
            message = ds.REFUSALS["replan"].format(day=day)
            raise ApplicationError(message, non_retryable=True) from None

    @decide_extension.validator
    def _check_decide_extension(self, req: ExtensionDecision) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        pending = self._pending_extension()
        if pending is None or pending.status == "deciding":
            raise ds.refusal("no_pending_extension")
        if req.extension_request_id not in (None, pending.request_id):
            raise ds.refusal("other_extension", request=pending.request_id)
        if req.approve and req.new_last_day is not None:
            ds.check_new_last_day(req.new_last_day, self._timeline.last_day)
        elif req.approve:
            ds.check_days_granted(pending.days, self._timeline.last_day)

    @workflow.update
    async def acknowledge(self, req: ActorRequest) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        self._acks.append(req.by)
        result = self._apply(req.request_id)
        await self._record("acknowledged", req.by, {"note": req.reason or ""})
        return result

    @acknowledge.validator
    def _check_acknowledge(self, req: ActorRequest) -> None:
        ds.check_request(req)
        if not self._seen(req.request_id):
            self._require_open()

    @workflow.update
    async def snooze(self, req: SnoozeRequest) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        self._snoozes += 1
        target = workflow.now() + timedelta(hours=req.hours)
        slot = (
            await workflow.execute_activity(
                act.NEXT_WORKING_SLOT,
                act.SlotInput(self._inp.cycle.rules, target),
                result_type=act.SlotResult,
                **STORE_CALL,
            )
        ).at
        self._pending, step = ds.plan_snooze(
            self._pending, slot, self._timeline.legal_end_at, self._snoozes
        )
        message = f"next reminder at {step.at.isoformat()}" if step else "final reminder kept"
        result = self._apply(req.request_id, message)
        details = {"hours": req.hours, "reminder_at": step.at.isoformat() if step else None}
        await self._record("snoozed", req.by, details)
        return result

    @snooze.validator
    def _check_snooze(self, req: SnoozeRequest) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        if self._settled():
            raise ds.refusal("settled", status=self._status.label_vi())
        if not 1 <= req.hours <= ds.SNOOZE_MAX_HOURS:
            raise ds.refusal("snooze_hours", max=ds.SNOOZE_MAX_HOURS)
        if self._snoozes >= ds.SNOOZE_MAX_COUNT:
            raise ds.refusal("snooze_count", max=ds.SNOOZE_MAX_COUNT)
        if not any(s.kind == "remind" for s in self._pending):
            raise ds.refusal("no_reminder")

    @workflow.update
    async def excuse(self, req: ActorRequest) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        self._excused = True
        self._status = self._derive()
        result = self._apply(req.request_id)
        details = {"reason": req.reason or ""}
        await self._record("excused", req.by, details)
        await self._notify(f"excused:{req.request_id}", "excused", self._focal(), details)
        return result

    @excuse.validator
    def _check_excuse(self, req: ActorRequest) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        if self._settled():
            raise ds.refusal("settled", status=self._status.label_vi())
        if not (req.reason or "").strip():
            raise ds.refusal("reason")

    @workflow.update
    async def reopen(self, req: ActorRequest) -> UpdateResult:
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        previous = self._status
        self._submission, self._excused = None, False
        self._pending, skipped = ds.reopen_pending(self._pending, workflow.now())
        self._status = self._derive()
        result = self._apply(req.request_id)
        details = {"from": previous.value, "reason": req.reason or "", "skipped": skipped}
        await self._record("reopened", req.by, details)
        return result

    @reopen.validator
    def _check_reopen(self, req: ActorRequest) -> None:
        ds.check_request(req)
        if self._seen(req.request_id):
            return
        self._require_open()
        if not (self._submission is not None or self._excused):
            raise ds.refusal("nothing_to_reopen", status=self._status.label_vi())

    @workflow.update
    async def close(self, req: CloseRequest) -> UpdateResult:
        """The cycle closed early: an unsettled deadline becomes missing."""
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        self._close = req
        return self._apply(req.request_id)

    @close.validator
    def _check_close(self, req: CloseRequest) -> None:
        ds.check_request(req)
        if not self._seen(req.request_id):
            self._require_open()

    @workflow.update
    async def revise(self, req: RevisionUpdate) -> UpdateResult:
        """A published calendar revision: new contacts, a re-planned timeline, or the unit
        withdrawn (it ends excused, with the reason). Nothing already sent is sent again."""
        if req.request_id in self._applied:
            return self._duplicate(req.request_id)
        details: dict[str, Any] = {"revision": req.revision}
        if req.contacts is not None and req.contacts != self._inp.contacts:
            details["contacts"] = dataclasses.asdict(req.contacts)
            self._inp = dataclasses.replace(self._inp, contacts=req.contacts)
        if req.unit_name and req.unit_name != self._inp.unit_name:
            details["unit_name"] = req.unit_name
            self._inp = dataclasses.replace(self._inp, unit_name=req.unit_name)
        if req.cycle is not None and self._timeline.generation == 0:
            # An approved extension re-planned this deadline on its own terms: kept.
            old = self._timeline
            self._inp = dataclasses.replace(self._inp, cycle=req.cycle)
            self._timeline = req.cycle.timeline
            self._pending = ds.revised_pending(self._timeline, self._done, workflow.now())
            if old.legal_end_at != self._timeline.legal_end_at:
                details["legal_end"] = {"from": old.legal_end, "to": self._timeline.legal_end}
            details["pending"] = [s.key for s in self._pending]
        if req.withdraw and not self._settled():
            self._excused = True
            self._pending = []
            self._close = CloseRequest(req.request_id, req.by)
            details["withdrawn"] = req.withdraw
        self._status = self._derive()
        result = self._apply(req.request_id)
        await self._record("revised", req.by, details)
        return result

    @revise.validator
    def _check_revise(self, req: RevisionUpdate) -> None:
        if not self._seen(req.request_id):
            self._require_open()

    @workflow.query
    def state(self) -> DeadlineState:
        return self._state()
