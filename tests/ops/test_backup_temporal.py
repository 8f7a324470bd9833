"""What an import means for the engine: workflows live in Temporal's database, not in the
archive. A fresh Temporal does not get an imported open cycle back from CalendarSync
(nothing is started twice, and nothing resumes it), which is what `hanchot import` warns
about; a cycle not yet in the store is opened as usual."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.testing import ActivityEnvironment

from activities import contracts as act
from activities.calendars import PublishedCalendars
from activities.cycles import CycleActivities
from activities.store_access import StoreAccess
from store import db, migrate
from store.backup import export_store
from store.backup_restore import import_store
from tests.workflows.support import OBLIGATION, calendar_file, frozen_h1, make_calendar, publish

YEAR = 2031


def _activities(url: str, calendar: Path) -> CycleActivities:
    store = StoreAccess(db.create_engine(url))
    # Finding and freezing cycles never uses the client; starting them would.
    no_client: Client = None  # type: ignore[assignment]
    publish(store, [calendar])
    return CycleActivities(store, no_client, PublishedCalendars(store))


async def test_calendar_sync_does_not_reopen_a_cycle_imported_into_a_fresh_engine(
    tmp_path: Path,
) -> None:
    calendar = calendar_file(tmp_path, YEAR)
    opens_at = frozen_h1(make_calendar(YEAR), YEAR).snapshot.opens_at
    now = opens_at + timedelta(days=1)
    env = ActivityEnvironment()

    old = f"sqlite:///{tmp_path / 'old.db'}"
    migrate.upgrade(old)
    before = _activities(old, calendar)
    due = await env.run(before.find_due_cycles, act.DueCyclesInput(now))
    h1 = next(r for r in due if r.obligation_id == OBLIGATION and r.period_id.endswith("H1"))
    facts = await env.run(before.freeze_cycle, act.FreezeCycleInput(h1, now))
    assert facts.expected > 0

    archive = export_store(tmp_path / "b.zip", url=old, data_dir=tmp_path / "data").path
    new = f"sqlite:///{tmp_path / 'new.db'}"
    result = import_store(archive, url=new, data_dir=tmp_path / "new-data")
    assert result.open_cycles == 1

    after = _activities(new, calendar)
    due_after = await env.run(after.find_due_cycles, act.DueCyclesInput(now))
    assert h1.workflow_id not in {r.workflow_id for r in due_after}
    assert {r.workflow_id for r in due_after} == {r.workflow_id for r in due} - {h1.workflow_id}
