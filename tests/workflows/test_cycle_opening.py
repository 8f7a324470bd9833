"""A cycle's batch records its units' "opened" events in one transaction, as each unit's
own first event would have been recorded, and a unit told so does not record it again."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from activities.deadlines import DeadlineActivities
from activities.store_access import StoreAccess
from boundary.types import DeadlineState, HistoryEntry
from deadlines.opening import opening
from store.deadline_openings import Opened, record_opened
from store.models import AuditEntry, UnitDeadline
from tests.workflows.support import (
    Recorder,
    env_year,
    frozen_h1,
    make_calendar,
    run_timeout,
    sleep_until,
    time_skipping,
    unit_input,
    worker,
)
from tests.workflows.test_store_activities import YEAR, event, prepared
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow


def stored(store: StoreAccess, wid: str) -> tuple[dict[str, Any], list[tuple[Any, ...]]]:
    """The deadline row (as the dashboard reads it) and its audit entries."""
    with store.read() as session:
        row = session.scalars(sa.select(UnitDeadline).where(UnitDeadline.workflow_id == wid)).one()
        audit = session.execute(
            sa.select(AuditEntry.at, AuditEntry.actor, AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.subject == f"deadline:{wid}")
            .order_by(AuditEntry.id)
        ).all()
        columns = ("status", "legal_end_at", "extended_until", "submitted_at", "reminders_sent")
        facts = {c: getattr(row, c) for c in columns}
        facts |= {"last_event_at": row.last_event_at, "created_at": row.created_at}
        facts |= {"unit": row.unit.key, "cycle": row.cycle.workflow_id}
        return facts, [tuple(a) for a in audit]


async def test_the_batch_writes_what_the_units_own_opened_event_writes_once(
    store: StoreAccess, tmp_path: Path
) -> None:
    store, cycle, wid_a = prepared(store, tmp_path)
    frozen = frozen_h1(make_calendar(YEAR), YEAR)
    wid_b = frozen.snapshot.deadline_id("unit-b")
    # unit-a records its own "opened" event, as a unit started without `opened_at` does
    own = event(cycle, wid_a, 1, "opened", "open")
    own = replace(own, reminders_sent=0, entry=replace(own.entry, details={"k": "v"}))
    await DeadlineActivities(store).record_deadline_event(own)
    # unit-b's comes with its batch, at the same instant and with the same facts
    batch = [
        Opened(wid_b, "unit-b", "open", own.legal_end_at, {"k": "v"}),
        Opened(wid_a, "unit-a", "open", own.legal_end_at, {"k": "v"}),
    ]
    with store.write() as session:
        first = record_opened(session, cycle, "test-cal", batch, own.entry.at)
    later = own.entry.at + timedelta(minutes=5)
    with store.write() as session:  # the activity retried: nothing is written twice
        again = record_opened(session, cycle, "test-cal", batch, later)

    assert first == again == {wid_a: own.entry.at, wid_b: own.entry.at}
    row_a, audit_a = stored(store, wid_a)
    row_b, audit_b = stored(store, wid_b)
    assert row_b == row_a | {"unit": "unit-b"}
    assert audit_b == audit_a and len(audit_a) == 1
    assert audit_b[0][2:] == ("opened", {"seq": 1, "status": "open", "k": "v"})


async def test_a_unit_opened_by_its_cycle_takes_that_event_and_records_only_what_follows() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        own = unit_input(year, "unit-a")
        # its batch recorded it the day before the cycle opened; it starts after: the
        # status the store holds (scheduled) has moved on by then
        opened_at = own.cycle.opens_at - timedelta(days=1)
        told = replace(unit_input(year, "unit-b"), opened_at=opened_at)
        await sleep_until(env, own.cycle.opens_at + timedelta(hours=1))
        handles = [
            await env.client.start_workflow(
                UnitDeadlineWorkflow.run,
                inp,
                id=inp.cycle.deadline_id(inp.unit_id),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            for inp in (own, told)
        ]
        states: list[DeadlineState] = [await h.result() for h in handles]

    events: dict[str, list[tuple[int, str]]] = {"unit-a": [], "unit-b": []}
    for e in rec.events:
        events[e.unit_id].append((e.seq, e.entry.event))
    expected = opening(told, opened_at)
    assert expected.status.value == "scheduled"
    assert states[1].history[0] == HistoryEntry(opened_at, "opened", "system", expected.details)
    assert events["unit-a"][0] == (1, "opened")  # recorded by the unit itself, already open
    # told: not recorded again; the change since is, first, as the next event
    assert events["unit-b"][0] == (2, "status")
    change = next(e for e in rec.events if e.unit_id == "unit-b")
    assert change.entry.details == {"from": "scheduled", "to": "open"}
    # and from there on the same life as the unit that recorded its own opening
    assert [e for _, e in events["unit-b"][1:]] == [e for _, e in events["unit-a"][1:]]
    assert states[1].status == states[0].status
