"""CalendarRevision with the real activities on a SQLite store, on the time-skipping
server: a revision published mid-cycle reaches the open cycle's deadlines, and a unit it
adds is closed with the others when the coordinator closes the cycle early."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from boundary.types import CloseRequest, CycleInput, CycleProgress, CycleRef, RevisionRun
from store import revisions
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
from tests.workflows.test_cycle import deadline_id
from workflows.calendar_revision import CalendarRevision, workflow_id
from workflows.cycle import Cycle
from workflows.unit_deadline import UnitDeadline

NEW_UNIT = "  - {id: unit-d, name: Sở Tư pháp, kind: department, parent: ubnd, focal_point: fp-c}\n"


async def test_a_revision_mid_cycle_reaches_every_deadline_and_the_early_close(
    tmp_path: Path,
) -> None:
    store = sqlite_store(tmp_path)
    async with time_skipping() as env:
        year = await env_year(env)
        path = calendar_file(tmp_path, year)
        async with worker(env.client, engine_activities(env.client, store, [path])) as queue:
            opens_at = frozen_h1(make_calendar(year), year).snapshot.opens_at
            await sleep_until(env, opens_at + timedelta(hours=1))
            # Batches of 2: the cycle's last batch is exactly the units it opened with.
            ref = CycleRef("test-cal", OBLIGATION, f"{year}-H1")
            cycle_id = ref.workflow_id
            await env.client.start_workflow(
                Cycle.run,
                CycleInput(ref, batch_size=2),
                id=cycle_id,
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            await cycle_opened(env.client, cycle_id, 2)

            text = calendar_text(year, due="before 25/06").replace(
                "supervisors:\n", NEW_UNIT + "supervisors:\n"
            )
            v2 = tmp_path / "v2.yaml"
            v2.write_text(text, encoding="utf-8")
            publish(store, [v2])
            applied = await env.client.execute_workflow(
                CalendarRevision.run,
                RevisionRun("test-cal", 2),
                id=workflow_id("test-cal"),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )
            revised = await env.client.get_workflow_handle(deadline_id(year, "unit-a")).query(
                UnitDeadline.state
            )
            cycle = env.client.get_workflow_handle_for(Cycle.run, cycle_id)
            await cycle.execute_update(Cycle.close, CloseRequest("close-1", "coord"))
            progress: CycleProgress = await cycle.result()
            new_unit = await env.client.get_workflow_handle(deadline_id(year, "unit-d")).query(
                UnitDeadline.state
            )

    moved = frozen_h1(make_calendar(year, due="before 25/06"), year).snapshot.timeline
    assert applied.started == []  # the cycle was open already: nothing new to open
    assert revised.due_at == moved.legal_end_at
    assert progress.expected == 2 and progress.closed
    assert new_unit.finished and new_unit.status == "missing", "closed with the others"
    assert new_unit.history[-1].by == "coord"
    with store.read() as session:
        assert revisions.get(session, "test-cal", 2).applied_at is not None  # type: ignore[union-attr]
    assert cycle_id.endswith(f"{OBLIGATION}/{year}-H1")


async def test_a_revision_overtaken_before_its_turn_changes_nothing(tmp_path: Path) -> None:
    """Revisions 1 and 2 published before the engine got to 1: applying 1 late would put
    its data back over 2's, so it does nothing (2's own run applies everything)."""
    from datetime import UTC, datetime

    from temporalio.testing import ActivityEnvironment

    from activities import contracts as act
    from activities.calendars import PublishedCalendars
    from activities.cycles import CycleActivities
    from activities.revisions import RevisionActivities
    from store.models import AuditEntry

    store = sqlite_store(tmp_path)
    year = datetime.now(UTC).year + 1
    publish(store, [calendar_file(tmp_path, year)])
    publish(store, [calendar_file(tmp_path, year, due="before 25/06")])
    no_client = None  # an overtaken revision never reaches Temporal
    now = datetime.now(UTC)
    # A cycle open on revision 2: revision 1 differs from it in every deadline's date.
    cycles = CycleActivities(store, no_client, PublishedCalendars(store))  # type: ignore[arg-type]
    cycles._freeze(CycleRef("test-cal", OBLIGATION, f"{year}-H1"), now)
    activities = RevisionActivities(store, no_client)  # type: ignore[arg-type]
    done = await ActivityEnvironment().run(
        activities.apply_revision, act.RevisionInput("test-cal", 1, now, "q")
    )
    assert (done.revised, done.started, done.finished) == (0, 0, 0)
    with store.read() as session:
        assert not session.query(AuditEntry).filter(AuditEntry.action == "cycle.revised").count()
