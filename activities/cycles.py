"""Activities of Cycle and CalendarSync: freeze a cycle, start and close its units in
batches, find the cycles whose window has started and start them.

Starting a workflow is idempotent by its business id: an id already running or already
finished is counted as existing and never started twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from temporalio import activity
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from activities import contracts as act
from activities.calendars import PublishedCalendars
from activities.snapshot import DEFAULT_CLOSE_AFTER, caught_up, freeze, messaged, timeline_of
from activities.store_access import StoreAccess
from boundary.client import EngineClient, UpdateRefused
from boundary.types import CloseRequest, CycleInput, CycleRef, CycleSnapshot, UnitDeadlineInput
from deadlines.model import Calendar
from deadlines.opening import opening
from deadlines.periods import periods_in_year
from deadlines.timeline import CyclePlan, plan_cycle
from store import cycle_snapshots, deadline_openings, deadlines_repo

START_CONCURRENCY = 32
UNIT_CLOSE_WAIT = timedelta(seconds=60)
"""How long closing a unit waits for it to finish (and so to store its own "closed" event)
before the tally is read; a unit that takes longer is left to finish on its own."""
T = TypeVar("T")


def find_plan(calendar: Calendar, ref: CycleRef) -> CyclePlan:
    obligation = calendar.obligation(ref.obligation_id)
    year = int(ref.period_id[:4])
    for period, rule in periods_in_year(obligation, year):
        if period.id == ref.period_id:
            return plan_cycle(calendar, obligation, period, rule)
    raise LookupError(f"{ref.workflow_id}: no such period in calendar {calendar.id}")


def engine_now() -> datetime:
    """Now by the Temporal server's clock, which the workflows' timers follow (a test's
    time-skipping server runs ahead of the wall clock): when this activity attempt
    started, or the wall clock if that is later."""
    return max(activity.info().started_time, datetime.now(UTC))


def with_catch_up(units: list[UnitDeadlineInput], at: datetime) -> list[UnitDeadlineInput]:
    """Units starting at `at`, each holding its cycle's timeline caught up to that instant
    (computed once per snapshot and kind of contacts: a batch shares one snapshot)."""
    done: dict[tuple[int, frozenset[str]], CycleSnapshot] = {}
    out = []
    for unit in units:
        key = (id(unit.cycle), messaged(unit.contacts))
        if key not in done:
            done[key] = caught_up(unit.cycle, at, unit.contacts)
        cycle = done[key]
        out.append(unit if cycle is unit.cycle else dataclasses.replace(unit, cycle=cycle))
    return out


def record_openings(
    store: StoreAccess, cycle_workflow_id: str, units: list[UnitDeadlineInput], at: datetime
) -> list[UnitDeadlineInput]:
    """The units, their "opened" events recorded at `at` in one transaction (each unit
    learns when, and does not record it again)."""
    if not units:
        return units
    events = []
    for unit in units:
        opened = opening(unit, at)
        events.append(
            deadline_openings.Opened(
                unit.cycle.deadline_id(unit.unit_id),
                unit.unit_id,
                opened.status.value,
                unit.cycle.timeline.legal_end_at,
                opened.details,
            )
        )
    with store.write() as session:
        recorded = deadline_openings.record_opened(
            session, cycle_workflow_id, units[0].cycle.calendar_id, events, at
        )
    return [
        dataclasses.replace(u, opened_at=recorded.get(e.workflow_id))
        for u, e in zip(units, events, strict=True)
    ]


def due_refs(calendar: Calendar, now: datetime, close_after: timedelta) -> list[CycleRef]:
    """Every cycle of `calendar` open at `now` (opened, not yet closed), by the usual rules."""
    due: list[CycleRef] = []
    for year in (now.year - 1, now.year, now.year + 1):
        for obligation in calendar.obligations:
            for period, rule in periods_in_year(obligation, year):
                plan = plan_cycle(calendar, obligation, period, rule)
                closes = timeline_of(plan, close_after).closes_at
                if plan.opens_at <= now < closes:
                    due.append(CycleRef(calendar.id, obligation.id, period.id))
    return due


class CycleActivities:
    def __init__(
        self,
        store: StoreAccess,
        client: Client,
        calendars: PublishedCalendars,
        close_after: timedelta = DEFAULT_CLOSE_AFTER,
    ) -> None:
        self._store = store
        self._client = client
        self._calendars = calendars
        self._close_after = close_after

    # --- Cycle -----------------------------------------------------------------------------

    @activity.defn(name=act.FREEZE_CYCLE)
    async def freeze_cycle(self, inp: act.FreezeCycleInput) -> act.CycleFacts:
        return await asyncio.to_thread(self._freeze, inp.ref, inp.at)

    def _freeze(self, ref: CycleRef, at: datetime) -> act.CycleFacts:
        calendar = self._calendars.load(ref.calendar_id)
        frozen = freeze(calendar, find_plan(calendar, ref), self._close_after)
        snapshot = cycle_snapshots.encode(frozen.snapshot, frozen.units)
        with self._store.write() as session:
            stored = deadlines_repo.freeze_cycle(
                session,
                ref.calendar_id,
                ref.obligation_id,
                ref.period_id,
                ref.workflow_id,
                snapshot,
                at,
            )
        units = cycle_snapshots.decode(stored).units
        cycle = units[0].cycle if units else frozen.snapshot
        return act.CycleFacts(
            expected=len(units),
            opens_at=cycle.opens_at,
            closes_at=cycle.timeline.closes_at,
            legal_end_at=cycle.timeline.legal_end_at,
        )

    def _batch(self, cycle_workflow_id: str, offset: int, limit: int) -> list[UnitDeadlineInput]:
        # Read afresh for every batch: a published revision may have rewritten the
        # snapshot (units added, contacts changed) since the cycle opened.
        with self._store.read() as session:
            return cycle_snapshots.read(session, cycle_workflow_id).batch(offset, limit)

    def _open(
        self, cycle_workflow_id: str, offset: int, limit: int, at: datetime
    ) -> list[UnitDeadlineInput]:
        units = self._batch(cycle_workflow_id, offset, limit)
        return record_openings(self._store, cycle_workflow_id, with_catch_up(units, at), at)

    @activity.defn(name=act.OPEN_UNIT_BATCH)
    async def open_unit_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        units = await asyncio.to_thread(
            self._open, inp.cycle_workflow_id, inp.offset, inp.limit, engine_now()
        )
        result = act.UnitBatchResult()

        async def start(unit: UnitDeadlineInput) -> None:
            try:
                await self._client.start_workflow(
                    "UnitDeadline",
                    unit,
                    id=unit.cycle.deadline_id(unit.unit_id),
                    task_queue=inp.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
                result.started += 1
            except WorkflowAlreadyStartedError:
                result.existing += 1

        await _bounded(units, start)
        return result

    @activity.defn(name=act.CLOSE_UNIT_BATCH)
    async def close_unit_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        units = await asyncio.to_thread(self._batch, inp.cycle_workflow_id, inp.offset, inp.limit)
        result = act.UnitBatchResult()
        request = CloseRequest(f"close:{inp.cycle_workflow_id}", inp.by)
        engine = EngineClient(self._client)

        async def close(unit: UnitDeadlineInput) -> None:
            workflow_id = unit.cycle.deadline_id(unit.unit_id)
            try:
                await engine.close(workflow_id, request)
                result.started += 1
            except UpdateRefused:
                result.existing += 1  # already finished (or closed by its own timer)
                return
            # The update returns once the unit has taken the close; the unit stores its
            # "closed" event (status missing) a moment later. The cycle's tally reads the
            # store right after this batch, so wait for the unit to finish first.
            await self._until_finished(workflow_id)

        await _bounded(units, close)
        return result

    async def _until_finished(self, workflow_id: str) -> None:
        """Wait (at most UNIT_CLOSE_WAIT) until the workflow is no longer running.

        Asked with describe, not by awaiting its result: a result is a long poll, and on
        the time-skipping test server a client awaiting one lets the server skip time, so
        the poll came back empty ("No completion event found") while the unit was still
        storing its close."""
        handle = self._client.get_workflow_handle(workflow_id)
        loop = asyncio.get_running_loop()
        give_up = loop.time() + UNIT_CLOSE_WAIT.total_seconds()
        wait = 0.05
        while loop.time() < give_up:
            with contextlib.suppress(RPCError):  # a busy server: ask again
                if (await handle.describe()).status != WorkflowExecutionStatus.RUNNING:
                    return
            await asyncio.sleep(wait)
            wait = min(wait * 2, 1.0)

    @activity.defn(name=act.FINISH_CYCLE)
    async def finish_cycle(self, inp: act.FinishCycleInput) -> dict[str, int]:
        def run() -> dict[str, int]:
            with self._store.write() as session:
                return deadlines_repo.close_cycle(session, inp.cycle_workflow_id, inp.at)

        return await asyncio.to_thread(run)

    # --- CalendarSync ----------------------------------------------------------------------

    @activity.defn(name=act.FIND_DUE_CYCLES)
    async def find_due_cycles(self, inp: act.DueCyclesInput) -> list[CycleRef]:
        return await asyncio.to_thread(self._due, inp.now, inp.calendar_ids)

    def _due(self, now: datetime, only: list[str]) -> list[CycleRef]:
        due: list[CycleRef] = []
        for calendar in self._calendars.load_all(only or None):
            due += due_refs(calendar, now, self._close_after)
        with self._store.read() as session:
            known = deadlines_repo.known_cycles(session, [r.workflow_id for r in due])
        return [r for r in due if r.workflow_id not in known]

    @activity.defn(name=act.START_CYCLES)
    async def start_cycles(self, inp: act.StartCyclesInput) -> list[str]:
        started: list[str] = []

        async def start(ref: CycleRef) -> None:
            try:
                await self._client.start_workflow(
                    "Cycle",
                    CycleInput(ref),
                    id=ref.workflow_id,
                    task_queue=inp.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                )
                started.append(ref.workflow_id)
            except WorkflowAlreadyStartedError:
                pass

        await _bounded(inp.refs, start)
        return sorted(started)

    def all(self) -> list[object]:
        return [
            self.freeze_cycle,
            self.open_unit_batch,
            self.close_unit_batch,
            self.finish_cycle,
            self.find_due_cycles,
            self.start_cycles,
        ]


async def _bounded(items: list[T], run: Callable[[T], Awaitable[None]]) -> None:
    """Run `run` on every item, a bounded number at a time, heartbeating as it goes."""
    gate = asyncio.Semaphore(START_CONCURRENCY)
    done = 0

    async def one(item: T) -> None:
        nonlocal done
        async with gate:
            await run(item)
            done += 1
            if done % 50 == 0:
                activity.heartbeat(done)

    await asyncio.gather(*(one(item) for item in items))
