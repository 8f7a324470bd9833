"""A cycle that opens after its steps' times catches up once per ladder, in working hours:
the real Cycle and UnitDeadline workflows and activities, a SQLite store, time skipping.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from activities.store_access import StoreAccess
from boundary.types import CycleInput, CycleRef, RevisionRun
from deadlines.present import step_text
from store import unit_history
from store.models import AuditEntry, OutboxMessage, Unit
from store.models import Cycle as CycleRow
from store.next_steps import NextStep, next_steps
from tests.workflows.support import (
    OBLIGATION,
    calendar_file,
    calendar_text,
    cycle_opened,
    engine_activities,
    env_year,
    frozen_h1,
    make_calendar,
    publish,
    run_timeout,
    sleep_until,
    sqlite_store,
    time_skipping,
    worker,
)
from web.formatting import event_label, event_text
from workflows.calendar_revision import CalendarRevision, workflow_id
from workflows.cycle import Cycle

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def sunday_night_after(instant: datetime) -> datetime:
    """22:00 local on the first Sunday at least two days after `instant`."""
    day = instant.astimezone(HCM).date() + timedelta(days=2)
    while day.weekday() != 6:
        day += timedelta(days=1)
    return datetime.combine(day, time(22, 0), HCM).astimezone(UTC)


def sent(store: StoreAccess) -> list[tuple[str, str, str]]:
    """(unit, step, recipient) of every message in the outbox."""
    with store.read() as session:
        rows = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        return sorted(
            {(m.workflow_id.rsplit("/", 1)[1], m.step, m.payload["recipient"]) for m in rows}
        )


def timeline_text(store: StoreAccess, unit: str) -> list[str]:
    """The unit page's timeline, each event as the coordinator reads it."""
    with store.read() as session:
        unit_id = session.scalar(sa.select(Unit.id).where(Unit.key == unit))
        assert unit_id is not None
        events = unit_history.timeline(session, unit_id)
        return [f"{event_label(e.source, e.kind)}: {event_text(e)}" for e in events]


def audit(store: StoreAccess, action: str) -> dict[str, list[AuditEntry]]:
    with store.read() as session:
        rows = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action))
        out: dict[str, list[AuditEntry]] = {}
        for row in rows:
            out.setdefault(row.subject.rsplit("/", 1)[1], []).append(row)
        return out


async def test_a_cycle_opened_after_its_escalations_sends_one_per_unit_next_working_morning(
    tmp_path: Path,
) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        timeline = frozen_h1(make_calendar(year), year).snapshot.timeline
        opened_at = sunday_night_after(max(s.at for s in timeline.steps))
        assert opened_at < timeline.closes_at
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            await sleep_until(env, opened_at)
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref),
                id=ref.workflow_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await cycle_opened(env.client, ref.workflow_id, 2)
            await sleep_until(env, opened_at + timedelta(hours=2))
            at_night = sent(store)
            with store.read() as session:
                cycle_row = session.scalar(sa.select(CycleRow.id))
                assert cycle_row is not None
                coming = next_steps(session, [cycle_row], opened_at + timedelta(hours=2))
            monday = datetime.combine(
                opened_at.astimezone(HCM).date() + timedelta(days=1), time(7, 30), HCM
            )
            await sleep_until(env, monday + timedelta(hours=3))
            on_monday = sent(store)
            opened = audit(store, "opened")
            escalated = audit(store, "escalated")
            reminded = audit(store, "reminded")
            shown = timeline_text(store, "unit-a")

    assert at_night == []  # nothing on Sunday night: not a burst at whatever hour
    # the overview's "next step" is the catch-up, though the cycle's timeline has none left
    assert coming == {cycle_row: NextStep("escalate", monday.astimezone(UTC))}
    # one escalation per unit: the highest rung that reaches somebody of the unit
    # (unit-b has no head); the supervisor's rung is his digest, not a message
    assert on_monday == [
        ("unit-a", "escalate:2:head", "head-a"),
        ("unit-b", "escalate:1:focal_point", "fp-b"),
    ]
    assert reminded == {}
    # fired by the step's timer, set at the next working slot: Monday 07:30
    assert {u: [e.details["at"] for e in rows] for u, rows in escalated.items()} == {
        "unit-a": [monday.astimezone(UTC).isoformat()],
        "unit-b": [monday.astimezone(UTC).isoformat()],
    }
    fired = [e.at for rows in escalated.values() for e in rows]
    assert all(monday <= at < monday + timedelta(minutes=1) for at in fired)
    reminders = [s.key for s in timeline.steps if s.kind == "remind"]
    assert opened["unit-a"][0].details["skipped"] == [
        *reminders,
        "escalate:1:focal_point",
        "escalate:3:supervisor",
    ]
    assert opened["unit-b"][0].details["skipped"] == [
        *reminders,
        "escalate:2:head",
        "escalate:3:supervisor",
    ]
    assert opened["unit-a"][0].details["catch_up"] == [
        {"step": "escalate:2:head", "at": monday.astimezone(UTC).isoformat()}
    ]
    why = escalated["unit-a"][0].details["deferred_because"]
    assert why.startswith("mở hạn nộp sau mốc ") and "đôn đốc lần 1" in why
    # the unit's page says what was skipped and what goes instead, in words
    day = f"{monday:%d/%m/%Y}"
    words = ", ".join(step_text(k) for k in reminders)
    assert words.startswith("nhắc trước hạn 7 ngày, nhắc trước hạn 3 ngày")
    assert (
        f"Mở hạn nộp: mở sau thời điểm của các bước đã qua, không gửi: {words}, đôn đốc lần 1 "
        "(cán bộ đầu mối), đôn đốc lần 3 (lãnh đạo phụ trách); gửi bù đôn đốc lần 2 "
        f"(thủ trưởng đơn vị) lúc {day} 07:30"
    ) in shown
    assert any(
        t.startswith("Đôn đốc: gửi thủ trưởng đơn vị (dời vì mở hạn nộp sau mốc ") for t in shown
    ), shown


NEW_UNIT = "  - {id: unit-d, name: Sở Tư pháp, kind: department, parent: ubnd, focal_point: fp-c}\n"


async def test_a_revision_that_puts_steps_in_the_past_and_a_unit_it_adds_catch_up_too(
    tmp_path: Path,
) -> None:
    """The due date moved three weeks earlier on a Sunday night: every escalation of the new
    timeline has passed; the deadlines re-planned and the unit the revision adds each send
    one, on Monday morning."""
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        earlier = frozen_h1(make_calendar(year, due="before 01/06"), year).snapshot.timeline
        revised_at = sunday_night_after(max(s.at for s in earlier.steps))
        first = frozen_h1(make_calendar(year, due="before 25/06"), year).snapshot
        assert revised_at < min(s.at for s in first.timeline.steps if s.kind == "escalate")
        path = calendar_file(tmp_path, year, due="before 25/06")
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            await sleep_until(env, first.opens_at + timedelta(hours=1))
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref),
                id=ref.workflow_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await cycle_opened(env.client, ref.workflow_id, 2)
            await sleep_until(env, revised_at)
            before = sent(store)
            text = calendar_text(year, due="before 01/06")
            v2 = tmp_path / "v2.yaml"
            v2.write_text(text.replace("supervisors:\n", NEW_UNIT + "supervisors:\n"), "utf-8")
            publish(store, [v2])
            await env.client.execute_workflow(
                CalendarRevision.run,
                RevisionRun("test-cal", 2),
                id=workflow_id("test-cal"),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await sleep_until(env, revised_at + timedelta(hours=2))
            at_night = sent(store)
            monday = datetime.combine(
                revised_at.astimezone(HCM).date() + timedelta(days=1), time(7, 30), HCM
            )
            await sleep_until(env, monday + timedelta(hours=3))
            on_monday = sent(store)
            opened = audit(store, "opened")

    assert not [s for s in before if not s[1].startswith("remind:")]  # reminded, on time
    assert at_night == before  # the revision sent nothing on Sunday night
    assert sorted(set(on_monday) - set(before)) == [
        ("unit-a", "escalate:2:head", "head-a"),
        ("unit-b", "escalate:1:focal_point", "fp-b"),
        ("unit-d", "escalate:1:focal_point", "fp-c"),
    ]
    # the added unit's opening was recorded by the revision, with what it skipped
    [added] = opened["unit-d"]
    assert added.details["catch_up"] == [
        {"step": "escalate:1:focal_point", "at": monday.astimezone(UTC).isoformat()}
    ]
    assert "escalate:3:supervisor" in added.details["skipped"]


async def test_a_cycle_opened_between_reminders_sends_the_latest_now_and_the_next_on_time(
    tmp_path: Path,
) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        timeline = frozen_h1(make_calendar(year), year).snapshot.timeline
        reminders = [s for s in timeline.steps if s.kind == "remind"]
        # two hours after the first reminder's time, on its (working) day
        opened_at = reminders[0].at + timedelta(hours=2)
        assert opened_at < reminders[1].at
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            await sleep_until(env, opened_at)
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref),
                id=ref.workflow_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await cycle_opened(env.client, ref.workflow_id, 2)
            await sleep_until(env, reminders[1].at + timedelta(hours=1))
            reminded = audit(store, "reminded")

    first, second = reminders[0].key, reminders[1].key
    for unit in ("unit-a", "unit-b"):
        steps = [(e.details["step"], e.details["at"]) for e in reminded[unit]]
        # the reminder just missed goes within minutes, in working hours; the next as planned
        assert [k for k, _ in steps] == [first, second]
        assert opened_at < datetime.fromisoformat(steps[0][1]) <= opened_at + timedelta(minutes=10)
        assert steps[1][1] == reminders[1].at.isoformat()
