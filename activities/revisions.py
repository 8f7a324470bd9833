"""What a calendar revision changes in the running engine, and applying it.

`plan_revision` compares a calendar (a revision about to be or just published) with
what the engine holds: each open cycle's frozen snapshot in the store, unit by unit, and
the cycles the calendar makes due that the store does not have. The same plan serves
the preview (`hanchot load --dry-run`, later the dashboard's editor, through
activities.preview) and the apply (the CalendarRevision workflow's activity), so what is
previewed is what is done. Applying sends each deadline in flight the `revise` update
(never a terminate), starts the units that start owing in an open cycle, and writes the
new snapshot so that the store shows what the workflows now hold.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from activities import contracts as act
from activities.calendars import published
from activities.cycles import (
    _bounded,
    due_refs,
    engine_now,
    find_plan,
    record_openings,
    with_catch_up,
)
from activities.snapshot import DEFAULT_CLOSE_AFTER, caught_up, freeze
from activities.store_access import StoreAccess
from boundary.client import EngineClient, UpdateRefused
from boundary.types import (
    Contacts,
    CycleRef,
    CycleSnapshot,
    RevisionUpdate,
    UnitDeadlineInput,
)
from deadlines.expected import DeadlineStatus
from deadlines.model import Calendar
from deadlines.vi import fmt_date
from store import cycle_snapshots, deadline_facts, deadlines_repo, revisions
from store.base import utcnow
from store.enums import CycleStatus
from store.models import AuditEntry, Cycle

REASONS = {
    "closed": "đơn vị giải thể từ {day} theo lịch sửa đổi (phiên bản {n})",
    "removed": "đơn vị không còn trong lịch (phiên bản {n})",
    "not_selected": "đơn vị không còn thuộc diện phải nộp báo cáo này (phiên bản {n})",
    "obligation": "nghĩa vụ báo cáo hoặc kỳ này không còn trong lịch (phiên bản {n})",
}


@dataclass
class UnitChange:
    """One deadline in flight (or about to be) that the revision touches."""

    deadline_id: str
    unit_id: str
    unit_name: str
    start: UnitDeadlineInput | None = None
    """The unit starts owing in an open cycle: its new workflow's input."""
    withdraw: str | None = None
    contacts: tuple[Contacts, Contacts] | None = None
    """(before, after) when the people reached by this deadline change."""
    moved: tuple[CycleSnapshot, CycleSnapshot] | None = None
    """(before, after) when the legal end or the reminder/escalation steps change."""
    renamed: bool = False
    reaches: Contacts = field(default_factory=Contacts)
    """The people the deadline reaches once the revision is applied."""
    sent: frozenset[str] = frozenset()
    """Steps it has sent already (when `moved`): its catch-up never repeats them."""


@dataclass
class CycleChanges:
    workflow_id: str
    obligation_name: str
    period_label: str
    units: list[UnitChange] = field(default_factory=list)
    snapshot: dict[str, Any] | None = None
    """The cycle's snapshot once the revision is applied (None: unchanged)."""


@dataclass
class RevisionPlan:
    calendar: str
    opening: list[tuple[CycleRef, str, str]] = field(default_factory=list)
    """Cycles the calendar makes due that are not open yet: (ref, obligation, period)."""
    cycles: list[CycleChanges] = field(default_factory=list)


def _moved(old: CycleSnapshot, new: CycleSnapshot) -> bool:
    def steps(s: CycleSnapshot) -> list[tuple[str, datetime, str | None]]:
        return [(x.key, x.at, x.to) for x in s.timeline.steps]

    return (
        old.timeline.legal_end_at != new.timeline.legal_end_at
        or steps(old) != steps(new)
        or old.rules != new.rules
        or old.timeline.closes_at != new.timeline.closes_at
    )


def _reason(calendar: Calendar, unit_id: str, number: int) -> str:
    unit = calendar.units_by_id.get(unit_id)
    if unit is None:
        return REASONS["removed"].format(n=number)
    if unit.closed is not None:
        return REASONS["closed"].format(day=fmt_date(unit.closed), n=number)
    return REASONS["not_selected"].format(n=number)


def plan_revision(
    session: Session,
    calendar: Calendar,
    number: int,
    now: datetime,
    close_after: timedelta = DEFAULT_CLOSE_AFTER,
) -> RevisionPlan:
    """What publishing `calendar` as revision `number` does to the engine, given the store."""
    plan = RevisionPlan(calendar.id)
    cycles = [
        c for c in deadlines_repo.list_cycles(session, calendar.id) if c.status is CycleStatus.OPEN
    ]
    known = {c.workflow_id for c in cycles}
    for ref in due_refs(calendar, now, close_after):
        if ref.workflow_id not in known and not deadlines_repo.known_cycles(
            session, [ref.workflow_id]
        ):
            obligation = calendar.obligation(ref.obligation_id)
            label = find_plan(calendar, ref).period.label_vi()
            plan.opening.append((ref, obligation.name, label))
    for row in cycles:
        frozen_before = cycle_snapshots.decode(row.snapshot)
        old_units, old_cycle = frozen_before.units, frozen_before.cycle
        statuses = deadlines_repo.deadline_statuses(session, row.workflow_id)
        changes = CycleChanges(row.workflow_id, old_cycle.obligation_name, old_cycle.period_label)
        ref = CycleRef(old_cycle.calendar_id, old_cycle.obligation_id, old_cycle.period_id)
        try:
            frozen = freeze(calendar, find_plan(calendar, ref), close_after)
        except LookupError:
            frozen = None
        new_by_id = {u.unit_id: u for u in frozen.units} if frozen else {}
        old_ids = {u.unit_id for u in old_units}

        def in_flight(deadline_id: str, statuses: dict[str, str] = statuses) -> bool:
            status = statuses.get(deadline_id)
            return status is None or not DeadlineStatus(status).is_settled

        kept: list[UnitDeadlineInput] = []
        for unit in old_units:
            deadline_id = old_cycle.deadline_id(unit.unit_id)
            new = new_by_id.get(unit.unit_id)
            if new is None:
                kept.append(unit)
                if in_flight(deadline_id):
                    reason = (
                        _reason(calendar, unit.unit_id, number)
                        if frozen
                        else REASONS["obligation"].format(n=number)
                    )
                    changes.units.append(
                        UnitChange(deadline_id, unit.unit_id, unit.unit_name, withdraw=reason)
                    )
                continue
            change = UnitChange(deadline_id, unit.unit_id, new.unit_name, reaches=new.contacts)
            if new.contacts != unit.contacts:
                change.contacts = (unit.contacts, new.contacts)
            if _moved(unit.cycle, new.cycle):
                change.moved = (unit.cycle, new.cycle)
            change.renamed = new.unit_name != unit.unit_name
            kept.append(new)
            if (change.contacts or change.moved or change.renamed) and in_flight(deadline_id):
                changes.units.append(change)
        if frozen is not None:
            for unit in frozen.units:
                if unit.unit_id not in old_ids:
                    deadline_id = frozen.snapshot.deadline_id(unit.unit_id)
                    changes.units.append(
                        UnitChange(deadline_id, unit.unit_id, unit.unit_name, start=unit)
                    )
                    kept.append(unit)
        moved = [c for c in changes.units if c.moved]
        sent = deadline_facts.steps_sent(session, [c.deadline_id for c in moved])
        for change in moved:
            change.sent = sent.get(change.deadline_id, frozenset())
        if changes.units:
            cycle = frozen.snapshot if frozen else old_cycle
            changes.snapshot = cycle_snapshots.encode(cycle, kept, frozen_before.frozen_units)
            plan.cycles.append(changes)
    return plan


class RevisionActivities:
    def __init__(
        self, store: StoreAccess, client: Client, close_after: timedelta = DEFAULT_CLOSE_AFTER
    ) -> None:
        self._store = store
        self._client = client
        self._engine = EngineClient(client)
        self._close_after = close_after

    @activity.defn(name=act.APPLY_REVISION)
    async def apply_revision(self, inp: act.RevisionInput) -> act.RevisionApplied:
        def read() -> RevisionPlan | None:
            with self._store.read() as session:
                latest = revisions.latest(session, inp.calendar_id)
                if latest is not None and latest.number != inp.number:
                    return None  # overtaken: the newer revision's own run applies it all
                calendar = published(session, inp.calendar_id, inp.number)
                return plan_revision(session, calendar, inp.number, inp.now, self._close_after)

        plan = await asyncio.to_thread(read)
        result = act.RevisionApplied()
        if plan is None:
            return result
        by = f"revision:{inp.calendar_id}:{inp.number}"
        for cycle in plan.cycles:
            starts = await asyncio.to_thread(self._open, cycle, engine_now())

            async def one(
                change: UnitChange, starts: dict[str, UnitDeadlineInput] = starts
            ) -> None:
                if change.start is not None:
                    try:
                        await self._client.start_workflow(
                            "UnitDeadline",
                            starts[change.deadline_id],
                            id=change.deadline_id,
                            task_queue=inp.task_queue,
                            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                        )
                        result.started += 1
                    except WorkflowAlreadyStartedError:
                        pass
                    return
                moved = None
                if change.moved:
                    moved = caught_up(change.moved[1], engine_now(), change.reaches, change.sent)
                update = RevisionUpdate(
                    request_id=by,
                    by=by,
                    revision=inp.number,
                    contacts=change.contacts[1] if change.contacts else None,
                    cycle=moved,
                    withdraw=change.withdraw,
                    unit_name=change.unit_name if change.renamed else None,
                )
                try:
                    await self._engine.revise(change.deadline_id, update)
                    result.revised += 1
                except UpdateRefused:
                    result.finished += 1  # finished meanwhile: nothing left to change

            await _bounded(cycle.units, one)
            await asyncio.to_thread(self._write_snapshot, cycle, inp, by)
        return result

    def _open(self, cycle: CycleChanges, at: datetime) -> dict[str, UnitDeadlineInput]:
        """The units that start owing in this cycle, caught up to `at`, their "opened"
        events recorded as a cycle's batch records them."""
        units = with_catch_up([c.start for c in cycle.units if c.start is not None], at)
        opened = record_openings(self._store, cycle.workflow_id, units, at)
        return {u.cycle.deadline_id(u.unit_id): u for u in opened}

    def _write_snapshot(self, cycle: CycleChanges, inp: act.RevisionInput, by: str) -> None:
        with self._store.write() as session:
            row = session.query(Cycle).filter(Cycle.workflow_id == cycle.workflow_id).one()
            row.snapshot = cycle.snapshot or row.snapshot
            withdrawn = [c.unit_id for c in cycle.units if c.withdraw]
            started = [c.unit_id for c in cycle.units if c.start]
            session.add(
                AuditEntry(
                    at=utcnow(),
                    actor=by,
                    action="cycle.revised",
                    subject=f"cycle:{cycle.workflow_id}",
                    details={
                        "revision": inp.number,
                        "withdrawn": withdrawn,
                        "started": started,
                        "revised": len(cycle.units) - len(withdrawn) - len(started),
                    },
                )
            )

    @activity.defn(name=act.MARK_REVISION_APPLIED)
    async def mark_applied(self, inp: act.RevisionInput) -> None:
        def run() -> None:
            with self._store.write() as session:
                revisions.mark_applied(session, inp.calendar_id, inp.number, utcnow())

        await asyncio.to_thread(run)

    def all(self) -> list[object]:
        return [self.apply_revision, self.mark_applied]
