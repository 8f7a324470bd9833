"""UnitDeadline on the time-skipping server: timers, updates and what reaches the outbox.

The store and outbox activities are recorded (see support.Recorder); re-planning runs the
real pure code. Every workflow has an execution timeout so a bug fails instead of hanging.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError

from activities.snapshot import replan
from boundary.types import (
    ActorRequest,
    DeadlineState,
    ExtensionDecision,
    ExtensionRequestInput,
    SnoozeRequest,
    SubmitRequest,
    Timeline,
    UnitDeadlineInput,
)
from deadlines.workdays import WorkCalendar
from tests.workflows.support import (
    OBLIGATION,
    Recorder,
    env_year,
    run_timeout,
    sleep_until,
    time_skipping,
    unit_input,
    worker,
)
from workflows.unit_deadline import UnitDeadline

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def start(client: Client, queue: str, inp: UnitDeadlineInput) -> WorkflowHandle:
    return await client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(),
    )


def new_last_day(old: Timeline) -> date:
    """The default approval: the current last day plus the 10 days requested."""
    return date.fromisoformat(old.last_day) + timedelta(days=10)


def on_time(fired: datetime, planned: datetime) -> bool:
    """A durable timer fires at its instant, give or take the server's millisecond rounding."""
    return abs(fired - planned) < timedelta(seconds=1)


def rid() -> str:
    return uuid.uuid4().hex


async def test_reminders_at_each_offset_then_escalations_in_order_then_missing() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        final: DeadlineState = await handle.result()

    plan = inp.cycle.timeline
    reminders = [s for s in plan.steps if s.kind == "remind"]
    escalations = [s for s in plan.steps if s.kind == "escalate"]
    # Every configured offset is delivered, once: quiet hours may merge two onto one slot.
    configured = {"remind:-7d", "remind:-3d", "remind:-1d", "remind:0d"}
    assert {k for s in reminders for k in (s.key, *s.merged)} == configured
    fired = {e.entry.details["step"]: e.entry.at for e in rec.kinds("reminded")}
    assert fired.keys() == {s.key for s in reminders}
    assert all(on_time(fired[s.key], s.at) for s in reminders)
    order = [e.entry.details["step"] for e in rec.kinds("escalated")]
    assert order == ["escalate:1:focal_point", "escalate:2:head", "escalate:3:supervisor"]
    fired_at = [e.entry.at for e in rec.kinds("escalated")]
    assert all(on_time(a, s.at) for a, s in zip(fired_at, escalations, strict=True))
    # Reminders go to the focal point; escalation 2 to the head; the supervisor's step is
    # left to the digest, so it never reaches the outbox.
    by_step = {n.step: n.recipients for n in rec.notes}
    assert by_step == {
        **{s.key: ["fp-a"] for s in reminders},
        "escalate:1:focal_point": ["fp-a"],
        "escalate:2:head": ["head-a"],
    }
    assert rec.notes[0].payload["kind"] == "reminder"
    assert rec.notes[0].payload["unit_name"] == "Sở Y tế"
    assert final.status == "missing" and final.finished
    statuses = [e.status for e in rec.events]
    for earlier, later in [("open", "due_soon"), ("due_soon", "overdue"), ("overdue", "missing")]:
        assert statuses.index(earlier) < statuses.index(later)
    assert [e.seq for e in rec.events] == sorted({e.seq for e in rec.events})


def tuesday_in_june(year: int) -> int:
    """A day of June whose date minus 3 days is a Saturday (June has no public holiday)."""
    return next(d for d in range(8, 31) if date(year, 6, d).weekday() == 1)


async def test_a_weekend_reminder_is_pulled_back_to_the_working_day_before() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        due = f"by {tuesday_in_june(year):02d}/06"
        inp = unit_input(year, due=due, reminders="-3d, 0d")
        handle = await start(env.client, queue, inp)
        await handle.result()

    weekend = next(s for s in inp.cycle.timeline.steps if s.key == "remind:-3d")
    assert weekend.nominal_at is not None
    saturday = weekend.nominal_at.astimezone(TZ)
    assert saturday.weekday() == 5  # Saturday 08:00
    why = f"{saturday:%d/%m/%Y} là Thứ Bảy: nhắc sớm vào ngày làm việc trước đó"
    assert weekend.deferred_because == why
    fired_at = next(
        e.entry.at for e in rec.kinds("reminded") if e.entry.details["step"] == weekend.key
    )
    local = fired_at.astimezone(TZ)
    assert on_time(fired_at, weekend.at)
    assert local.weekday() == 4 and local.strftime("%H:%M") == "08:00"  # Friday, same time
    note = next(n for n in rec.notes if n.step == weekend.key)
    assert note.payload["details"]["deferred_because"] == why


async def test_snooze_into_the_night_is_deferred_to_working_hours() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        first = inp.cycle.timeline.steps[0]  # remind:-7d at 08:00 on a working day
        afternoon = first.at.astimezone(TZ).replace(hour=15, minute=0).astimezone(UTC)
        await sleep_until(env, afternoon)
        with pytest.raises(WorkflowUpdateFailedError):  # bounded
            await handle.execute_update(UnitDeadline.snooze, SnoozeRequest(rid(), "fp-a", 100))
        result = await handle.execute_update(
            UnitDeadline.snooze, SnoozeRequest("snz-1", "fp-a", 12)
        )
        state = await handle.query(UnitDeadline.state)
        await handle.terminate("test done")

    snoozed = next(s for s in state.pending_steps if s.key == "snooze:1")
    local = snoozed.at.astimezone(TZ)
    assert local.strftime("%H:%M") == "07:30"  # 03:00 is outside working hours
    assert WorkCalendar().is_working_day(local.date())
    assert local.date() > afternoon.astimezone(TZ).date()
    assert result.message == f"next reminder at {snoozed.at.isoformat()}"
    assert state.snoozes == 1 and not result.duplicate


async def test_submission_before_the_due_date_stops_reminders() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        first = inp.cycle.timeline.steps[0]
        await sleep_until(env, first.at + timedelta(hours=1))
        result = await handle.execute_update(
            UnitDeadline.submit,
            SubmitRequest(rid(), "fp-a", channel="telegram", document_number="45/BC-SYT"),
        )
        assert result.status == "submitted_on_time"
        final = await handle.result()

    assert rec.steps()[0] == "remind:-7d"
    assert [s for s in rec.steps() if s.startswith(("remind", "escalate"))] == ["remind:-7d"]
    assert final.status == "submitted_on_time"
    assert final.submission is not None and final.submission.document_number == "45/BC-SYT"
    submitted = rec.kinds("submitted")
    assert len(submitted) == 1 and submitted[0].submission is not None
    assert rec.notes[-1].step.startswith("receipt:") and rec.notes[-1].recipients == ["fp-a"]


async def test_late_submission_is_counted_late() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        await sleep_until(env, inp.cycle.timeline.legal_end_at + timedelta(days=2))
        assert (await handle.query(UnitDeadline.state)).status == "overdue"
        result = await handle.execute_update(UnitDeadline.submit, SubmitRequest(rid(), "fp-a"))
        final = await handle.result()

    assert result.status == "submitted_late"
    assert final.status == "submitted_late"
    assert final.submission is not None and not final.submission.on_time
    # The first escalation (legal end + 1 day) went out; the later ones were stopped.
    assert [e.entry.details["step"] for e in rec.kinds("escalated")] == ["escalate:1:focal_point"]


async def test_duplicate_submit_is_a_no_op() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        await sleep_until(env, inp.cycle.opens_at + timedelta(days=1))
        request = SubmitRequest("bot-update-123", "fp-a", channel="telegram")
        first = await handle.execute_update(UnitDeadline.submit, request)
        again = await handle.execute_update(UnitDeadline.submit, request)
        other = SubmitRequest("bot-update-124", "fp-a")
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(UnitDeadline.submit, other)
        state = await handle.query(UnitDeadline.state)
        await handle.terminate("test done")

    assert not first.duplicate and again.duplicate
    assert again.status == first.status == "submitted_on_time"
    assert len(rec.kinds("submitted")) == 1
    assert [n.step for n in rec.notes] == ["receipt:bot-update-123"]
    assert [h.event for h in state.history].count("submitted") == 1


async def test_excuse_stops_reminders_and_counts_excused() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        await sleep_until(env, inp.cycle.opens_at + timedelta(days=1))
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(UnitDeadline.excuse, ActorRequest(rid(), "coord", " "))
        await handle.execute_update(
            UnitDeadline.excuse, ActorRequest(rid(), "coord", "Đơn vị đang sáp nhập")
        )
        final = await handle.result()

    assert final.status == "excused"
    assert not rec.kinds("reminded") and not rec.kinds("escalated")
    assert rec.kinds("excused")[0].entry.details == {"reason": "Đơn vị đang sáp nhập"}


async def test_approved_extension_rearms_reminders_on_the_new_date() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        old = inp.cycle.timeline
        await sleep_until(env, old.steps[1].at + timedelta(hours=1))  # after remind:-3d
        await handle.execute_update(
            UnitDeadline.request_extension,
            ExtensionRequestInput("ext-req-1", "fp-a", 10, "Chờ số liệu của các xã"),
        )
        assert rec.notes[-1].step == "extension-request:ext-req-1"
        assert rec.notes[-1].recipients == ["coord"]
        decided = await handle.execute_update(
            UnitDeadline.decide_extension, ExtensionDecision("dec-1", "coord", approve=True)
        )
        state = await handle.query(UnitDeadline.state)
        assert decided.status == "extended" == state.status
        assert state.due_at > old.legal_end_at
        await sleep_until(env, old.legal_end_at + timedelta(days=2))
        assert (await handle.query(UnitDeadline.state)).status == "extended"
        final = await handle.result()

    new_due = final.extensions[0].new_due_at
    assert new_due is not None and new_due >= old.legal_end_at + timedelta(days=10)
    reminded = [(e.entry.details["step"], e.entry.at) for e in rec.kinds("reminded")]
    assert [k for k, _ in reminded[:2]] == ["remind:-7d", "remind:-3d"]
    extended = replan(inp.cycle.rules, OBLIGATION, inp.cycle.period_id, new_last_day(old), 1)
    expected = [s for s in extended.steps if s.kind == "remind"]
    assert [k for k, _ in reminded[2:]] == [s.key for s in expected]
    assert all(on_time(a, s.at) for (_, a), s in zip(reminded[2:], expected, strict=True))
    assert {k for k, _ in reminded[2:]} >= {"ext1:remind:-7d", "ext1:remind:0d"}
    escalated = rec.kinds("escalated")
    assert next(e.entry.details["step"] for e in escalated) == "ext1:escalate:1:focal_point"
    assert all(e.entry.at > new_due for e in escalated)
    assert final.extensions[0].status == "approved" and final.status == "missing"


async def test_refused_extension_keeps_the_calendar_dates() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=1))
        await handle.execute_update(
            UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-a", 5, "Thiếu người")
        )
        with pytest.raises(WorkflowUpdateFailedError):  # one pending request at a time
            await handle.execute_update(
                UnitDeadline.request_extension, ExtensionRequestInput("r2", "fp-a", 5, "Lại")
            )
        await handle.execute_update(
            UnitDeadline.decide_extension,
            ExtensionDecision("d1", "coord", approve=False, note="Không đủ lý do"),
        )
        final = await handle.result()

    assert final.extensions[0].status == "refused"
    assert final.due_at == inp.cycle.timeline.legal_end_at
    assert [e.entry.details["step"] for e in rec.kinds("reminded")] == [
        s.key for s in inp.cycle.timeline.steps if s.kind == "remind"
    ]
    assert len(rec.kinds("escalated")) == 3
    decision = next(n for n in rec.notes if n.step == "extension-decision:r1")
    assert decision.recipients == ["fp-a"]
    assert decision.payload["details"] == {
        "request": "r1",
        "approved": False,
        "note": "Không đủ lý do",
    }


async def test_acknowledge_then_reopen_a_submission_resumes_the_reminders() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        reminders = [s for s in inp.cycle.timeline.steps if s.kind == "remind"]
        await sleep_until(env, reminders[0].at + timedelta(hours=1))
        await handle.execute_update(UnitDeadline.acknowledge, ActorRequest("ack-1", "fp-a"))
        await handle.execute_update(UnitDeadline.submit, SubmitRequest(rid(), "fp-a"))
        with pytest.raises(WorkflowUpdateFailedError):  # a reason is not needed, a state is
            await handle.execute_update(UnitDeadline.snooze, SnoozeRequest(rid(), "fp-a", 2))
        reopened = await handle.execute_update(
            UnitDeadline.reopen, ActorRequest(rid(), "coord", "Gửi nhầm mẫu báo cáo")
        )
        final = await handle.result()

    assert reopened.status == "due_soon"
    assert final.acknowledged_by == ["fp-a"]
    assert [e.entry.details["step"] for e in rec.kinds("reminded")] == [s.key for s in reminders]
    assert final.status == "missing" and final.submission is None
    events = [h.event for h in final.history]
    assert events.index("acknowledged") < events.index("submitted") < events.index("reopened")


async def test_a_deadline_opened_late_skips_past_reminders_but_still_escalates() -> None:
    rec = Recorder()
    async with time_skipping() as env:
        inp = unit_input(await env_year(env))
        # Moved so that the workflow starts 12 hours after the legal end: every reminder's
        # time is past, every escalation still ahead.
        shift = await env.get_current_time() - inp.cycle.timeline.legal_end_at - timedelta(hours=12)
        shifted = [replace(s, at=s.at + shift) for s in inp.cycle.timeline.steps]
        timeline = replace(
            inp.cycle.timeline,
            steps=shifted,
            legal_end_at=inp.cycle.timeline.legal_end_at + shift,
            due_soon_at=inp.cycle.timeline.due_soon_at + shift,
            closes_at=inp.cycle.timeline.closes_at + shift,
        )
        inp = replace(
            inp, cycle=replace(inp.cycle, timeline=timeline, opens_at=inp.cycle.opens_at + shift)
        )
        async with worker(env.client, rec.all()) as queue:
            handle = await start(env.client, queue, inp)
            final = await handle.result()

    opened = rec.kinds("opened")[0]
    reminders = [s.key for s in shifted if s.kind == "remind"]
    assert opened.entry.details["skipped"] == reminders
    assert not rec.kinds("reminded")
    assert [e.entry.details["step"] for e in rec.kinds("escalated")] == [
        s.key for s in shifted if s.kind == "escalate"
    ]
    assert final.status == "missing"
