"""Cycle and CalendarSync with the real activities on a SQLite store, on the time-skipping
server: who is expected, what the store and outbox hold, what a config edit changes.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio import activity
from temporalio.client import Client
from temporalio.service import RPCError

from activities import contracts as act
from activities.store_access import StoreAccess
from boundary.types import (
    CloseRequest,
    CycleInput,
    CycleProgress,
    CycleRef,
    DeadlineState,
    SubmitRequest,
    SyncInput,
    SyncResult,
)
from store import deadlines_repo
from store.models import Cycle as CycleRow
from store.models import OutboxMessage
from tests.workflows.support import (
    OBLIGATION,
    calendar_file,
    cycle_opened,
    engine_activities,
    env_year,
    frozen_h1,
    make_calendar,
    run_timeout,
    sleep_until,
    sqlite_store,
    time_skipping,
    worker,
)
from workflows.calendar_sync import CalendarSync
from workflows.cycle import Cycle
from workflows.unit_deadline import UnitDeadline


async def sync(client: Client, queue: str) -> SyncResult:
    return await client.execute_workflow(
        CalendarSync.run,
        SyncInput(),
        id=f"calendar-sync-{uuid.uuid4().hex[:6]}",
        task_queue=queue,
        execution_timeout=timedelta(minutes=10),
    )


def deadline_id(year: int, unit: str) -> str:
    return f"deadline/test-cal/{OBLIGATION}/{year}-H1/{unit}"


def outbox_steps(store: StoreAccess, unit: str) -> list[tuple[str, str, str]]:
    with store.read() as session:
        rows = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.workflow_id.endswith(f"/{unit}"))
        )
        return sorted((m.step, m.channel.value, m.payload["recipient"]) for m in rows)


async def test_cycle_opens_expected_units_records_the_store_and_marks_missing(
    store: StoreAccess, tmp_path: Path
) -> None:
    async with time_skipping() as env:
        year = await env_year(env)
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            handle = await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref, batch_size=1),
                id=ref.workflow_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            plan = frozen_h1(make_calendar(year), year).snapshot.timeline
            await cycle_opened(env.client, ref.workflow_id, 2)
            await sleep_until(env, plan.legal_end_at - timedelta(days=2))
            progress = await handle.query(Cycle.progress)
            unit_a = env.client.get_workflow_handle(deadline_id(year, "unit-a"))
            await unit_a.execute_update(
                UnitDeadline.submit,
                SubmitRequest("s-1", "fp-a", channel="email", document_number="12/BC-SYT"),
            )
            result: CycleProgress = await handle.result()
            with pytest.raises(RPCError):  # closed on 01/04: never opened for H1
                await env.client.get_workflow_handle(deadline_id(year, "unit-c")).describe()
            unit_b = await env.client.get_workflow_handle(deadline_id(year, "unit-b")).query(
                UnitDeadline.state
            )

    # unit-c closed on 01/04 owes nothing; the office receiving the report is no submitter.
    assert progress.expected == 2 and progress.opened == 2
    assert result.closed and result.tally == {"submitted_on_time": 1, "missing": 1}
    with store.read() as session:
        stored = deadlines_repo.deadline_statuses(session, ref.workflow_id)
        query = sa.select(CycleRow).where(CycleRow.workflow_id == ref.workflow_id)
        cycle = session.scalar(query)
        assert cycle is not None and cycle.status.value == "closed"
    assert stored == {
        deadline_id(year, "unit-a"): "submitted_on_time",
        deadline_id(year, "unit-b"): "missing",
    }
    assert unit_b.status == "missing"
    reminders = [s.key for s in plan.steps if s.kind == "remind"]
    assert outbox_steps(store, "unit-b") == sorted(
        [(k, "email", "fp-b") for k in reminders] + [("escalate:1:focal_point", "email", "fp-b")]
    )  # unit-b has no head: escalation 2 has nobody to reach; 3 goes to the digest
    sent_a = outbox_steps(store, "unit-a")
    assert ("receipt:s-1", "email", "fp-a") in sent_a
    assert ("receipt:s-1", "telegram", "fp-a") in sent_a
    assert not [s for s in sent_a if s[0].startswith("escalate")]


async def test_calendar_sync_opens_each_cycle_once_and_ignores_later_config_edits(
    tmp_path: Path,
) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            before = await sync(env.client, queue)
            opens_at = frozen_h1(make_calendar(year), year).snapshot.opens_at
            await sleep_until(env, opens_at + timedelta(hours=1))
            first = await sync(env.client, queue)
            await cycle_opened(env.client, first.started[0], 2)
            second = await sync(env.client, queue)
            handle = env.client.get_workflow_handle(deadline_id(year, "unit-a"))
            frozen_state = await handle.query(UnitDeadline.state)
            # The coordinator edits the file mid-cycle: new date, new reminders.
            calendar_file(tmp_path, year, due="before 25/06", reminders="-10d, -2d")
            third = await sync(env.client, queue)
            after_edit = await handle.query(UnitDeadline.state)

    cycle_id = f"cycle/test-cal/{OBLIGATION}/{year}-H1"
    assert cycle_id not in before.due
    assert first.started == [cycle_id]
    assert second.started == [] and third.started == []
    assert after_edit.due_at == frozen_state.due_at

    # Time may pass while CalendarSync runs (a reminder may fire): compare the whole plan.
    def timeline(state: DeadlineState) -> set[str]:
        return set(state.done_steps) | {s.key for s in state.pending_steps}

    assert timeline(after_edit) == timeline(frozen_state)
    assert "remind:-10d" not in {s.key for s in after_edit.pending_steps}
    edited = frozen_h1(make_calendar(year, due="before 25/06"), year).snapshot.timeline
    assert edited.legal_end_at != after_edit.due_at  # the edit would have changed the date
    with store.read() as session:
        snapshot = deadlines_repo.cycle_snapshot(session, cycle_id)
    assert snapshot["cycle"]["timeline"]["legal_end_at"] == frozen_state.due_at.isoformat()


async def test_closing_a_cycle_early_marks_the_unsettled_units_missing(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            handle = await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref),
                id=ref.workflow_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            opens_at = frozen_h1(make_calendar(year), year).snapshot.opens_at
            await cycle_opened(env.client, ref.workflow_id, 2)
            await sleep_until(env, opens_at + timedelta(days=1))
            unit_b = env.client.get_workflow_handle(deadline_id(year, "unit-b"))
            await unit_b.execute_update(UnitDeadline.submit, SubmitRequest("s-b", "fp-b"))
            await handle.execute_update(Cycle.close, CloseRequest("close-1", "coord"))
            result = await handle.result()
            unit_a = await env.client.get_workflow_handle_for(
                UnitDeadline.run, deadline_id(year, "unit-a")
            ).result()

    assert result.tally == {"submitted_on_time": 1, "missing": 1}
    assert unit_a.status == "missing" and unit_a.history[-1].by == "coord"
    assert unit_a.reminders_sent == 0  # closed before the first reminder


class StubBatches:
    """A cycle of 10,000 units without starting them: only the Cycle's own history counts."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.batches: list[tuple[int, int]] = []

    @activity.defn(name=act.FREEZE_CYCLE)
    async def freeze(self, inp: act.FreezeCycleInput) -> act.CycleFacts:
        return act.CycleFacts(self.expected, inp.at, inp.at + timedelta(days=40), inp.at)

    @activity.defn(name=act.OPEN_UNIT_BATCH)
    async def open_batch(self, inp: act.UnitBatchInput) -> act.UnitBatchResult:
        self.batches.append((inp.offset, inp.limit))
        return act.UnitBatchResult(started=min(inp.limit, self.expected - inp.offset))

    @activity.defn(name=act.FINISH_CYCLE)
    async def finish(self, inp: act.FinishCycleInput) -> dict[str, int]:
        return {"missing": self.expected}


async def test_a_cycle_of_ten_thousand_units_stays_far_below_temporal_limits() -> None:
    stub = StubBatches(10_000)
    activities = [stub.freeze, stub.open_batch, stub.finish]
    async with time_skipping() as env, worker(env.client, activities) as queue:
        ref = CycleRef("big", "bao-cao", "2030-H1")
        handle = await env.client.start_workflow(
            Cycle.run,
            CycleInput(ref),
            id=ref.workflow_id,
            task_queue=queue,
            execution_timeout=run_timeout(),
        )
        result = await handle.result()
        history = await handle.fetch_history()

    assert result.opened == 10_000 and result.closed
    assert len(stub.batches) == 20 and stub.batches[-1] == (9_500, 500)
    # No child workflows (2,000 pending children is Temporal's limit) and a short history
    # (Temporal's limit is ~50,000 events per run).
    assert len(history.events) < 200
    assert not any(
        e.HasField("start_child_workflow_execution_initiated_event_attributes")
        for e in history.events
    )
