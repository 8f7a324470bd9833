"""UnitDeadline's `revise` update: a published calendar revision reaching a deadline in
flight, on the time-skipping server (store and outbox recorded, see support.Recorder)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle

from boundary.types import Contacts, RevisionUpdate, UnitDeadlineInput
from tests.workflows.support import (
    Recorder,
    env_year,
    run_timeout,
    sleep_until,
    time_skipping,
    unit_input,
    worker,
)
from workflows.unit_deadline import UnitDeadline


async def start(client: Client, queue: str, inp: UnitDeadlineInput) -> WorkflowHandle:
    return await client.start_workflow(
        UnitDeadline.run,
        inp,
        id=inp.cycle.deadline_id(inp.unit_id),
        task_queue=queue,
        execution_timeout=run_timeout(),
    )


async def test_a_new_focal_point_gets_the_next_reminder_and_nothing_is_sent_twice() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        first = inp.cycle.timeline.steps[0]
        await sleep_until(env, first.at + timedelta(hours=1))
        contacts = replace(inp.contacts, focal_points=["fp-c"])
        update = RevisionUpdate(
            "revision:test-cal:2", "revision:test-cal:2", 2, contacts, unit_name="Sở Y tế mới"
        )
        await handle.execute_update(UnitDeadline.revise, update)
        again = await handle.execute_update(UnitDeadline.revise, update)
        await handle.result()

    assert again.duplicate
    by_step = {n.step: n.recipients for n in rec.notes}
    assert by_step[first.key] == ["fp-a"]
    later = [s.key for s in inp.cycle.timeline.steps if s.kind == "remind" and s.at > first.at]
    assert later and all(by_step[k] == ["fp-c"] for k in later)
    names = {n.step: n.payload["unit_name"] for n in rec.notes}
    assert names[first.key] == "Sở Y tế" and all(names[k] == "Sở Y tế mới" for k in later)
    steps = [n.step for n in rec.notes]
    assert len(steps) == len(set(steps)), "no step is sent twice"
    [revised] = rec.kinds("revised")
    assert revised.entry.details["contacts"]["focal_points"] == ["fp-c"]


async def test_a_moved_due_date_moves_the_reminders_not_already_sent() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        moved = unit_input(year, due="before 30/06")
        handle = await start(env.client, queue, inp)
        first = inp.cycle.timeline.steps[0]
        await sleep_until(env, first.at + timedelta(hours=1))
        update = RevisionUpdate("revision:test-cal:2", "rev", 2, cycle=moved.cycle)
        await handle.execute_update(UnitDeadline.revise, update)
        final = await handle.result()

    fired = {e.entry.details["step"]: e.entry.at for e in rec.kinds("reminded")}
    assert fired[first.key] < moved.cycle.timeline.steps[0].at
    new_steps = {s.key: s.at for s in moved.cycle.timeline.steps if s.kind == "remind"}
    for key, at in fired.items():
        if key != first.key:
            # a durable timer fires at its instant, give or take the server's rounding
            assert abs(at - new_steps[key]) < timedelta(seconds=1), f"{key} follows the new date"
    assert list(fired).count(first.key) == 1, "the reminder already sent is not sent again"
    assert final.legal_end_at == moved.cycle.timeline.legal_end_at
    [revised] = rec.kinds("revised")
    assert revised.entry.details["legal_end"] == {
        "from": inp.cycle.timeline.legal_end,
        "to": moved.cycle.timeline.legal_end,
    }
    assert revised.legal_end_at == moved.cycle.timeline.legal_end_at  # the store follows


async def test_a_withdrawn_unit_gets_nothing_more_and_ends_excused_with_the_reason() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        handle = await start(env.client, queue, inp)
        first = inp.cycle.timeline.steps[0]
        await sleep_until(env, first.at + timedelta(hours=1))
        reason = "đơn vị giải thể từ 01/07 theo lịch sửa đổi (phiên bản 2)"
        update = RevisionUpdate("revision:test-cal:2", "rev", 2, withdraw=reason)
        await handle.execute_update(UnitDeadline.revise, update)
        final = await handle.result()

    assert [n.step for n in rec.notes] == [first.key]
    assert final.status == "excused" and final.finished
    [revised] = rec.kinds("revised")
    assert revised.entry.details["withdrawn"] == reason
    assert rec.events[-1].entry.event == "closed"


async def test_a_revision_leaves_an_extended_deadline_on_its_own_timeline() -> None:
    rec = Recorder()
    async with time_skipping() as env, worker(env.client, rec.all()) as queue:
        year = await env_year(env)
        inp = unit_input(year)
        moved = unit_input(year, due="before 30/06")
        handle = await start(env.client, queue, inp)
        await sleep_until(env, inp.cycle.timeline.steps[0].at + timedelta(hours=1))
        from boundary.types import ExtensionDecision, ExtensionRequestInput

        await handle.execute_update(
            UnitDeadline.request_extension, ExtensionRequestInput("r1", "fp-a", 3, "Chờ số liệu")
        )
        await handle.execute_update(
            UnitDeadline.decide_extension, ExtensionDecision("d1", "coord", approve=True)
        )
        extended = (await handle.query(UnitDeadline.state)).due_at
        contacts = Contacts(focal_points=["fp-c"], head="head-a")
        update = RevisionUpdate("revision:test-cal:2", "rev", 2, contacts, moved.cycle)
        await handle.execute_update(UnitDeadline.revise, update)
        state = await handle.query(UnitDeadline.state)
        await handle.terminate("test over")

    assert state.due_at == extended
    assert rec.kinds("revised")[0].entry.details["contacts"]["focal_points"] == ["fp-c"]
