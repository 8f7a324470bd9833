"""A year of a calendar run through the real workflows on the time-skipping server.

Every cycle of the year is opened with the real Cycle and UnitDeadline workflows; each
unit's behaviour (on time, late, never) is drawn from a seeded random generator and
played by a SimulatedUnit workflow that submits through the real `submit` update. The
store and outbox activities are replaced by recorders, so nothing is written or sent:
what comes out is every message that would have been queued, and when.

The test server's clock starts at the real current time and only moves forward, so the
year is run shifted by a whole number of weeks into the future and every instant is
shifted back when recorded; workflows only see instants, so the shift changes nothing.
"""

from __future__ import annotations

import dataclasses
import random
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from temporalio import activity
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import contracts as act
from activities.planning import PlanningActivities
from activities.snapshot import freeze
from boundary.types import (
    CycleInput,
    CycleRef,
    CycleSnapshot,
    SimulatedUnitInput,
    SubmitRequest,
    Timeline,
    UnitDeadlineInput,
)
from deadlines.model import Calendar
from deadlines.timeline import plan_year
from hanchot.binaries import test_server
from workflows.cycle import Cycle
from workflows.simulated_unit import SIM_SUBMIT, SimulatedUnit
from workflows.unit_deadline import UnitDeadline


@dataclass(frozen=True)
class SimOptions:
    year: int
    seed: int = 0
    late_rate: float = 0.2
    missing_rate: float = 0.05


@dataclass(frozen=True)
class Sent:
    """One message that would have been queued for one person."""

    at: datetime
    person: str
    kind: str
    step: str
    obligation: str
    period: str
    unit: str
    unit_name: str = ""
    """The name the deadline goes by ("Xã Mới (thay cho Xã A, Xã B)")."""


@dataclass
class SimResult:
    calendar: Calendar
    options: SimOptions
    sent: list[Sent] = field(default_factory=list)
    digests: set[tuple[str, date]] = field(default_factory=set)
    """(supervisor, local day): one digest per supervisor per day with new escalations."""
    outcomes: dict[str, Counter[str]] = field(default_factory=dict)
    """Cycle workflow id -> final statuses of its units."""
    unreachable: Counter[tuple[str, str]] = field(default_factory=Counter)
    """(unit, step) escalations or reminders that had nobody to reach."""
    cycles: dict[str, CycleSnapshot] = field(default_factory=dict)
    digest_items: Counter[str] = field(default_factory=Counter)
    """Cycle workflow id -> units whose escalation reached the supervisors' digest."""


def _shift_timeline(t: Timeline, delta: timedelta) -> Timeline:
    steps = [
        dataclasses.replace(
            s, at=s.at + delta, nominal_at=s.nominal_at + delta if s.nominal_at else None
        )
        for s in t.steps
    ]
    return dataclasses.replace(
        t,
        legal_end_at=t.legal_end_at + delta,
        due_soon_at=t.due_soon_at + delta,
        closes_at=t.closes_at + delta,
        steps=steps,
    )


def _shift(snapshot: CycleSnapshot, delta: timedelta) -> CycleSnapshot:
    return dataclasses.replace(
        snapshot,
        opens_at=snapshot.opens_at + delta,
        timeline=_shift_timeline(snapshot.timeline, delta),
    )


def behaviour(
    rng: random.Random, cycle: CycleSnapshot, options: SimOptions
) -> tuple[str, datetime | None]:
    """("on_time" | "late" | "missing", when it submits) for one unit, in real-year time."""
    if not cycle.timeline.expects_submission:
        return "announced", None
    end = cycle.timeline.legal_end_at
    draw = rng.random()
    if draw < options.missing_rate:
        return "missing", None
    if draw < options.missing_rate + options.late_rate:
        return "late", end + timedelta(days=rng.randint(1, 10), hours=rng.randint(0, 8))
    earliest = max(cycle.opens_at, end - timedelta(days=10))
    minutes = int((end - timedelta(hours=2) - earliest).total_seconds() // 60)
    return "on_time", earliest + timedelta(minutes=rng.randint(0, max(minutes, 0)))


class _Recorder:
    """The activities of the simulation: in memory, shifting instants back to the year."""

    def __init__(self, client: Client, queue: str, result: SimResult, delta: timedelta) -> None:
        self.client, self.queue, self.result, self.delta = client, queue, result, delta
        self.units: dict[str, list[UnitDeadlineInput]] = {}
        self.plans: dict[str, list[datetime | None]] = {}
        self.status: dict[str, str] = {}
        self.by_workflow: dict[str, UnitDeadlineInput] = {}
        self.planning = PlanningActivities()

    @activity.defn(name=act.FREEZE_CYCLE)
    async def freeze_cycle(self, inp: act.FreezeCycleInput) -> act.CycleFacts:
        units = self.units[inp.ref.workflow_id]
        cycle = self.result.cycles[inp.ref.workflow_id]
        shifted = _shift(cycle, self.delta)
        return act.CycleFacts(
            len(units), shifted.opens_at, shifted.timeline.closes_at, shifted.timeline.legal_end_at
        )

    @activity.defn(name=act.OPEN_UNIT_BATCH)
    async def open_unit_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        units = self.units[inp.cycle_workflow_id][inp.offset : inp.offset + inp.limit]
        when = self.plans[inp.cycle_workflow_id][inp.offset : inp.offset + inp.limit]
        for unit, submit_at in zip(units, when, strict=True):
            wid = unit.cycle.deadline_id(unit.unit_id)
            self.by_workflow[wid] = unit
            await self.client.start_workflow(UnitDeadline.run, unit, id=wid, task_queue=self.queue)
            if submit_at is not None:
                by = unit.contacts.focal_points[0] if unit.contacts.focal_points else "unit"
                await self.client.start_workflow(
                    SimulatedUnit.run,
                    SimulatedUnitInput(wid, submit_at + self.delta, by),
                    id=f"sim/{wid}",
                    task_queue=self.queue,
                )
        return act.UnitBatchResult(started=len(units))

    @activity.defn(name=act.FINISH_CYCLE)
    async def finish_cycle(self, inp: act.FinishCycleInput) -> dict[str, int]:
        prefix = inp.cycle_workflow_id.replace("cycle/", "deadline/", 1) + "/"
        tally = Counter(s for wid, s in self.status.items() if wid.startswith(prefix))
        self.result.outcomes[inp.cycle_workflow_id] = tally
        return dict(tally)

    @activity.defn(name=act.RECORD_DEADLINE_EVENT)
    async def record(self, ev: act.DeadlineEvent) -> None:
        self.status[ev.workflow_id] = ev.status
        unit = self.by_workflow[ev.workflow_id]
        if ev.entry.event != "escalated":
            return
        to = ev.entry.details.get("to")
        step = str(ev.entry.details.get("step"))
        tz = ZoneInfo(unit.cycle.rules.timezone)
        day = (ev.entry.at - self.delta).astimezone(tz).date()
        if to == "supervisor":
            self.result.digest_items[unit.cycle.cycle_id] += 1
            for person in unit.contacts.supervisors:
                self.result.digests.add((person, day))
            if not unit.contacts.supervisors:
                self.result.unreachable[(unit.unit_id, step)] += 1
        elif to == "head" and not unit.contacts.head:
            self.result.unreachable[(unit.unit_id, step)] += 1

    @activity.defn(name=act.ENQUEUE_NOTIFICATION)
    async def notify(self, inp: act.NotifyInput) -> act.NotifyResult:
        unit = self.by_workflow[inp.workflow_id]
        # A timer's step carries its planned instant; anything else (a receipt) is dated
        # when queued, to the minute (simulated units act on whole minutes; the server's
        # timers fire a few milliseconds late).
        planned = inp.payload.get("details", {}).get("at")
        queued = datetime.fromisoformat(planned) if planned else activity.info().scheduled_time
        at = queued - self.delta
        if not planned:
            at = at.replace(second=0, microsecond=0)
        people = self.result.calendar.people_by_id
        unreachable = []
        for person in inp.recipients:
            known = people.get(person)
            if known is None or not (known.email or known.telegram):
                unreachable.append(person)
                self.result.unreachable[(unit.unit_id, inp.step)] += 1
                continue
            self.result.sent.append(
                Sent(
                    at,
                    person,
                    str(inp.payload["kind"]),
                    inp.step,
                    unit.cycle.obligation_id,
                    unit.cycle.period_id,
                    unit.unit_id,
                    unit.unit_name,
                )
            )
        return act.NotifyResult(len(inp.recipients) - len(unreachable), 0, unreachable)

    @activity.defn(name=act.REPLAN_DEADLINE)
    async def replan(self, inp: act.ReplanInput) -> Timeline:
        return _shift_timeline(await self.planning.replan_deadline(inp), self.delta)

    @activity.defn(name=act.NEXT_WORKING_SLOT)
    async def slot(self, inp: act.SlotInput) -> act.SlotResult:
        real = dataclasses.replace(inp, instant=inp.instant - self.delta)
        found = await self.planning.next_working_slot(real)
        return act.SlotResult(found.at + self.delta)

    @activity.defn(name=SIM_SUBMIT)
    async def submit(self, inp: SimulatedUnitInput) -> None:
        handle = self.client.get_workflow_handle_for(UnitDeadline.run, inp.deadline_workflow_id)
        await handle.execute_update(
            UnitDeadline.submit, SubmitRequest(f"sim-{inp.deadline_workflow_id}", inp.by, "web")
        )

    def all(self) -> list[object]:
        return [
            self.freeze_cycle,
            self.open_unit_batch,
            self.finish_cycle,
            self.record,
            self.notify,
            self.replan,
            self.slot,
            self.submit,
        ]


def _weeks_ahead(now: datetime, earliest: datetime) -> timedelta:
    """A whole number of weeks moving `earliest` to at least a day after `now`."""
    gap = now + timedelta(days=1) - earliest
    weeks = max(0, -(-gap.days // 7) + 1)
    return timedelta(weeks=weeks)


async def simulate(calendar: Calendar, options: SimOptions) -> SimResult:
    result = SimResult(calendar, options)
    rng = random.Random(options.seed)
    units: dict[str, list[UnitDeadlineInput]] = {}
    plans: dict[str, list[datetime | None]] = {}
    for plan in plan_year(calendar, options.year):
        frozen = freeze(calendar, plan)
        if not frozen.units:
            continue
        cid = frozen.snapshot.cycle_id
        result.cycles[cid] = frozen.snapshot
        units[cid] = frozen.units
        plans[cid] = [behaviour(rng, frozen.snapshot, options)[1] for _ in frozen.units]
    if not result.cycles:
        return result
    env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=test_server())
    try:
        now = await env.get_current_time()
        earliest = min(c.opens_at for c in result.cycles.values())
        delta = _weeks_ahead(now, earliest)
        recorder = _Recorder(env.client, f"simulate-{uuid.uuid4().hex[:8]}", result, delta)
        recorder.plans = plans
        recorder.units = {
            cid: [dataclasses.replace(u, cycle=_shift(u.cycle, delta)) for u in unit_inputs]
            for cid, unit_inputs in units.items()
        }
        async with Worker(
            env.client,
            task_queue=recorder.queue,
            workflows=[UnitDeadline, Cycle, SimulatedUnit],
            activities=recorder.all(),
            workflow_failure_exception_types=[Exception],
        ):
            handles = [
                await env.client.start_workflow(
                    Cycle.run,
                    CycleInput(CycleRef(s.calendar_id, s.obligation_id, s.period_id)),
                    id=cid,
                    task_queue=recorder.queue,
                    execution_timeout=timedelta(days=800),
                )
                for cid, s in sorted(result.cycles.items(), key=lambda c: c[1].timeline.closes_at)
            ]
            # One result at a time: the test server skips time while a client waits on a
            # result, and several concurrent waits stall it. Waiting on the cycles in
            # order of their close walks the clock through every timer of every cycle.
            for handle in handles:
                await handle.result()
    finally:
        await env.shutdown()
    result.sent.sort(key=lambda s: (s.at, s.person, s.step))
    return result


def per_person(result: SimResult) -> dict[str, Counter[str]]:
    """Person -> count of messages by kind (reminder, escalation, digest, ...)."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for sent in result.sent:
        out[sent.person][sent.kind] += 1
    for person, _ in result.digests:
        out[person]["digest"] += 1
    return dict(out)
