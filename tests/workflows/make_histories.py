"""Record the histories that test_replay.py replays against the current workflow code.

`.venv/bin/python -m tests.workflows.make_histories NAME...` records the named scenarios
(all without names). Record a new scenario alone and keep the committed ones: an old
history replaying against new code is the point. Re-record an existing one only after a
deliberate, versioned change to workflow logic (a history that no longer replays is
exactly the signal that running workflows would break), and review the diff.

Each scenario drives one workflow type through as many of its paths as one run allows,
on the time-skipping server, with the store activities recorded instead of written.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import sys
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from activities import contracts as act
from activities.snapshot import caught_up
from boundary.types import (
    ActorRequest,
    CloseRequest,
    Contacts,
    CycleInput,
    CycleRef,
    DigestRunInput,
    DigestTarget,
    ExtensionDecision,
    ExtensionRequestInput,
    RevisionRun,
    RevisionUpdate,
    SimulatedUnitInput,
    SnoozeRequest,
    SubmitRequest,
    SyncInput,
)
from tests.workflows.support import (
    Recorder,
    Unplannable,
    run_timeout,
    sleep_until,
    time_skipping,
    unit_input,
    worker,
)
from workflows.calendar_revision import CalendarRevision, workflow_id
from workflows.calendar_sync import CalendarSync
from workflows.cycle import Cycle
from workflows.digest import Digest
from workflows.simulated_unit import SIM_SUBMIT, SimulatedUnit
from workflows.unit_deadline import UnitDeadline

HISTORIES = Path(__file__).resolve().parents[1] / "data" / "histories"
YEAR = 2030
"""Fixed, so the histories do not change with the day they are recorded (the server's
clock does, which is why YEAR must stay ahead of it: see test_replay)."""

Scenario = Callable[[WorkflowEnvironment, str], Awaitable[WorkflowHandle]]


async def unit_extension(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """Snooze, acknowledge, request and approve an extension, submit late-but-on-time."""
    inp = unit_input(YEAR)
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=2))
    await handle.execute_update(UnitDeadline.snooze, SnoozeRequest("z1", "fp-a", 24))
    await handle.execute_update(UnitDeadline.acknowledge, ActorRequest("k1", "fp-a"))
    await handle.execute_update(
        UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-a", 7, "Chờ số liệu")
    )
    await handle.execute_update(
        UnitDeadline.decide_extension, ExtensionDecision("d1", "coord", approve=True)
    )
    await sleep_until(env, inp.cycle.timeline.legal_end_at + timedelta(days=2))
    await handle.execute_update(UnitDeadline.submit, SubmitRequest("s1", "fp-a", "telegram"))
    await handle.execute_update(UnitDeadline.submit, SubmitRequest("s1", "fp-a", "telegram"))
    await handle.result()
    return handle


async def unit_missing(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """Every reminder and escalation, a refused extension, then missing at the close."""
    inp = unit_input(YEAR, unit="unit-b")
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.timeline.steps[1].at + timedelta(hours=1))
    await handle.execute_update(
        UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-b", 30, "Thiếu người")
    )
    await handle.execute_update(
        UnitDeadline.decide_extension, ExtensionDecision("d1", "coord", approve=False)
    )
    await handle.result()
    return handle


async def unit_opened_by_cycle(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """A unit whose "opened" event its cycle's batch recorded the day before (patched: it
    records only what follows, the status change first), reminded, then submitted."""
    inp = unit_input(YEAR)
    inp = dataclasses.replace(inp, opened_at=inp.cycle.opens_at - timedelta(days=1))
    await sleep_until(env, inp.cycle.opens_at + timedelta(hours=1))
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=1))
    await handle.execute_update(UnitDeadline.submit, SubmitRequest("s1", "fp-a", "email"))
    await handle.result()
    return handle


async def unit_caught_up(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """A unit whose cycle opened on a Sunday night after every step's time: its input holds
    the caught-up timeline (one escalation on Monday morning, the rest skipped), then it
    closes missing."""
    inp = unit_input(YEAR)
    at = max(s.at for s in inp.cycle.timeline.steps) + timedelta(days=3)
    cycle = caught_up(inp.cycle, at, inp.contacts)
    inp = dataclasses.replace(inp, cycle=cycle, opened_at=at)
    await sleep_until(env, at)
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await handle.result()
    return handle


async def unit_replan_refused(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """An approval whose re-plan fails for good (patched: the request is decidable again),
    then a refusal and the close. Recorded with the re-plan activity failing (Unplannable)."""
    inp = unit_input(YEAR, unit="unit-b")
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=1))
    await handle.execute_update(
        UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-b", 10, "Chờ số liệu")
    )
    with contextlib.suppress(WorkflowUpdateFailedError):
        await handle.execute_update(
            UnitDeadline.decide_extension, ExtensionDecision("d1", "coord", approve=True)
        )
    await handle.execute_update(
        UnitDeadline.decide_extension, ExtensionDecision("d2", "coord", approve=False)
    )
    await handle.execute_update(UnitDeadline.close, CloseRequest("c1", "coord"))
    await handle.result()
    return handle


async def unit_reopen(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """Submit, reopen, excuse, reopen, then the cycle closes it early."""
    inp = unit_input(YEAR)
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.opens_at + timedelta(days=3))
    await handle.execute_update(UnitDeadline.submit, SubmitRequest("s1", "fp-a"))
    await handle.execute_update(UnitDeadline.reopen, ActorRequest("o1", "coord", "Sai mẫu"))
    await handle.execute_update(UnitDeadline.excuse, ActorRequest("e1", "coord", "Sáp nhập"))
    await handle.execute_update(UnitDeadline.reopen, ActorRequest("o2", "coord", "Nhầm"))
    await handle.execute_update(UnitDeadline.close, CloseRequest("c1", "coord"))
    await handle.result()
    return handle


class CycleStubs:
    @activity.defn(name=act.FREEZE_CYCLE)
    async def freeze(self, inp: act.FreezeCycleInput) -> act.CycleFacts:
        return act.CycleFacts(5, inp.at, inp.at + timedelta(days=60), inp.at + timedelta(days=30))

    @activity.defn(name=act.OPEN_UNIT_BATCH)
    async def open_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        return act.UnitBatchResult(started=min(inp.limit, 5 - inp.offset))

    @activity.defn(name=act.CLOSE_UNIT_BATCH)
    async def close_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        return act.UnitBatchResult(started=min(inp.limit, 5 - inp.offset))

    @activity.defn(name=act.FINISH_CYCLE)
    async def finish(self, inp: act.FinishCycleInput) -> dict[str, int]:
        return {"submitted_on_time": 3, "missing": 2}

    @activity.defn(name=act.FIND_DUE_CYCLES)
    async def due(self, inp: act.DueCyclesInput) -> list[CycleRef]:
        return [CycleRef("test-cal", "bao-cao-6-thang", f"{YEAR}-H1")]

    @activity.defn(name=act.START_CYCLES)
    async def start(self, inp: act.StartCyclesInput) -> list[str]:
        return [r.workflow_id for r in inp.refs]

    @activity.defn(name=act.PLAN_DIGESTS)
    async def plan_digests(self, inp: act.DigestPlanInput) -> act.DigestPlan:
        day = inp.at.date().isoformat()
        return act.DigestPlan(
            targets=[
                DigestTarget("test-cal", "boss", day, inp.run.kind),
                DigestTarget("test-cal", "head-a", day, inp.run.kind, all_clear=True),
            ]
        )

    @activity.defn(name=act.BUILD_AND_ENQUEUE_DIGEST)
    async def build_digest(self, inp: act.DigestInput) -> act.DigestOutcome:
        return act.DigestOutcome(overdue=1, queued=1)

    @activity.defn(name=act.APPLY_REVISION)
    async def apply_revision(self, inp: act.RevisionInput) -> act.RevisionApplied:
        return act.RevisionApplied(revised=3, started=1, finished=1)

    @activity.defn(name=act.MARK_REVISION_APPLIED)
    async def mark_applied(self, inp: act.RevisionInput) -> None:
        return None

    @activity.defn(name=SIM_SUBMIT)
    async def submit(self, inp: SimulatedUnitInput) -> None:
        return None

    def all(self) -> list[object]:
        return [
            self.freeze,
            self.open_batch,
            self.close_batch,
            self.finish,
            self.due,
            self.start,
            self.submit,
            self.plan_digests,
            self.build_digest,
            self.apply_revision,
            self.mark_applied,
        ]


async def cycle_closed_early(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    ref = CycleRef("test-cal", "bao-cao-6-thang", f"{YEAR}-H1")
    handle = await env.client.start_workflow(
        Cycle.run,
        CycleInput(ref, batch_size=2),
        id=ref.workflow_id,
        task_queue=queue,
        execution_timeout=run_timeout(),
    )
    await env.sleep(timedelta(days=10))
    await handle.execute_update(Cycle.close, CloseRequest("c1", "coord"))
    await handle.result()
    return handle


async def calendar_sync(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    handle = await env.client.start_workflow(
        CalendarSync.run,
        SyncInput(),
        id="calendar-sync",
        task_queue=queue,
        execution_timeout=timedelta(hours=1),
    )
    await handle.result()
    return handle


async def simulated_unit(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    submit_at = await env.get_current_time() + timedelta(days=12)
    handle = await env.client.start_workflow(
        SimulatedUnit.run,
        SimulatedUnitInput("deadline/test-cal/bao-cao-6-thang/2030-H1/unit-a", submit_at, "fp-a"),
        id="sim/deadline/test-cal/bao-cao-6-thang/2030-H1/unit-a",
        task_queue=queue,
        execution_timeout=run_timeout(),
    )
    await handle.result()
    return handle


async def digest(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    handle = await env.client.start_workflow(
        Digest.run,
        DigestRunInput("daily", all_clear=["head-a"]),
        id="digest-daily",
        task_queue=queue,
        execution_timeout=timedelta(hours=1),
    )
    await handle.result()
    return handle


async def calendar_revision(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    handle = await env.client.start_workflow(
        CalendarRevision.run,
        RevisionRun("test-cal", 2),
        id=workflow_id("test-cal"),
        task_queue=queue,
        execution_timeout=timedelta(hours=1),
    )
    await handle.result()
    return handle


async def unit_revised(env: WorkflowEnvironment, queue: str) -> WorkflowHandle:
    """A revision moves the due date and replaces the focal point, a second withdraws it."""
    inp = unit_input(YEAR)
    moved = unit_input(YEAR, due="before 30/06")
    handle = await env.client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(2000),
    )
    await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=2))
    contacts = Contacts(focal_points=["fp-c"], head="head-a")
    update = RevisionUpdate("revision:test-cal:2", "rev", 2, contacts, moved.cycle)
    await handle.execute_update(UnitDeadline.revise, update)
    await handle.execute_update(UnitDeadline.revise, update)
    await sleep_until(env, moved.cycle.timeline.steps[1].at + timedelta(hours=2))
    withdraw = RevisionUpdate("revision:test-cal:3", "rev", 3, withdraw="đơn vị giải thể")
    await handle.execute_update(UnitDeadline.revise, withdraw)
    await handle.result()
    return handle


SCENARIOS: dict[str, Scenario] = {
    "unit_deadline_extension": unit_extension,
    "unit_deadline_missing": unit_missing,
    "unit_deadline_reopen": unit_reopen,
    "unit_deadline_replan_refused": unit_replan_refused,
    "cycle_closed_early": cycle_closed_early,
    "calendar_sync": calendar_sync,
    "simulated_unit": simulated_unit,
    "digest": digest,
    "calendar_revision": calendar_revision,
    "unit_deadline_revised": unit_revised,
    "unit_deadline_opened_by_cycle": unit_opened_by_cycle,
    "unit_deadline_caught_up": unit_caught_up,
}


async def main(names: list[str]) -> None:
    HISTORIES.mkdir(parents=True, exist_ok=True)
    for name, scenario in SCENARIOS.items():
        if names and name not in names:
            continue
        async with time_skipping() as env:
            recorder = [*Recorder().all()]
            if name == "unit_deadline_replan_refused":
                recorder = Unplannable().with_recorder(Recorder())
            activities = [*recorder, *CycleStubs().all()]
            async with worker(env.client, activities) as queue:
                handle = await scenario(env, queue)
                history = await handle.fetch_history()
        (HISTORIES / f"{name}.json").write_text(history.to_json(), encoding="utf-8")
        print(f"{name}: {len(history.events)} events")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
