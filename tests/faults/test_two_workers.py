"""Two `hanchot worker` processes on one PostgreSQL store and one Temporal namespace open
one cycle of 2,000 units (issue 20): every unit's deadline is opened once (one row, one
"opened" event each), and both workers took part. Nothing in hanchot must run once
here: Temporal hands each task to one worker, and every workflow id (CalendarSync's run,
the Cycle, each UnitDeadline) is unique, so a start that another worker made first is
found, not repeated.

HANCHOT_FAULT_UNITS sets the size (default the issue's 2,000). The figures are printed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from activities.store_access import StoreAccess
from boundary.types import SyncInput
from store import db, migrate
from store.models import AuditEntry, UnitDeadline
from tests.faults.conftest import HANCHOT, wait_until
from tests.integration.test_dev_server import big_calendar
from tests.workflows.support import dev_server, publish
from workflows.calendar_sync import CalendarSync
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow

pytestmark = pytest.mark.integration

UNITS = int(os.environ.get("HANCHOT_FAULT_UNITS") or 2000)
TIME_BOUND = 120 + UNITS // 2
SAMPLE = 40
"""Unit workflows whose histories are read to see which worker ran them."""


class WorkerProcess:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.proc = subprocess.Popen(
            [HANCHOT, "worker"],
            stdout=self._out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._out.close()

    def tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-15:])


def worker_env(url: str, temporal: str, queue: str, data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HANCHOT_", "SMTP_"))}
    env.update(
        HANCHOT_DATA_DIR=str(data),
        HANCHOT_DATABASE_URL=url,
        HANCHOT_TEMPORAL_ADDRESS=temporal,
        HANCHOT_TASK_QUEUE=queue,
        HANCHOT_SECRET="hai-worker",
        PYTHONUNBUFFERED="1",
    )
    return env


async def test_two_workers_open_each_unit_of_a_2000_unit_cycle_once(
    tmp_path: Path, postgres_database: str
) -> None:
    url = postgres_database
    migrate.upgrade(url)
    store = StoreAccess(db.create_engine(url, poolclass=NullPool))
    due = datetime.now(UTC).date() + timedelta(days=21)
    publish(store, [big_calendar(tmp_path / "lon.yaml", UNITS, due)])
    queue = f"two-workers-{uuid.uuid4().hex[:6]}"
    async with dev_server() as temporal:
        address = temporal.client.service_client.config.target_host
        workers = [
            WorkerProcess(worker_env(url, address, queue, tmp_path), tmp_path / f"worker-{i}.log")
            for i in (1, 2)
        ]
        try:
            began = time.monotonic()
            await temporal.client.start_workflow(
                CalendarSync.run, SyncInput(), id=f"sync-{queue}", task_queue=queue
            )
            took = await wait_until(
                lambda: opened(store) >= UNITS, f"{UNITS} deadlines opened", TIME_BOUND - 60, 1.0
            )
            await wait_until(lambda: events(store).total() >= UNITS, "the opened events", 30)
            ran = await identities(temporal.client, store)
        except AssertionError as exc:
            tails = "\n".join(w.tail() for w in workers)
            raise AssertionError(f"{exc}\n{tails}") from None
        finally:
            for w in workers:
                w.stop()
    per_unit = events(store)
    store.engine.dispose()
    pids = Counter(identity.split("@")[0] for identity in ran)
    print(
        f"\n{UNITS} units, 2 workers: all opened {took:.0f}s after the sync started "
        f"({time.monotonic() - began:.0f}s in all); 'opened' events per deadline: "
        f"{dict(Counter(per_unit.values()))}; {SAMPLE} sampled deadlines ran on {dict(pids)}"
    )
    assert opened(store) == UNITS
    assert len(per_unit) == UNITS and set(per_unit.values()) == {1}
    assert {str(w.proc.pid) for w in workers} == set(pids)  # both took part


def opened(store: StoreAccess) -> int:
    with store.read() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(UnitDeadline)) or 0)


def events(store: StoreAccess) -> Counter[str]:
    """'opened' events per deadline's workflow id."""
    with store.read() as session:
        rows = session.execute(
            sa.select(AuditEntry.subject, sa.func.count())
            .where(AuditEntry.action == "opened")
            .group_by(AuditEntry.subject)
        ).all()
    return Counter({subject: n for subject, n in rows})


async def identities(client, store: StoreAccess) -> list[str]:  # type: ignore[no-untyped-def]
    """The identity of the worker that ran each sampled deadline's workflow tasks."""
    with store.read() as session:
        ids = session.scalars(
            sa.select(UnitDeadline.workflow_id).order_by(UnitDeadline.id).limit(SAMPLE)
        ).all()
    found = []
    for workflow_id in ids:
        handle = client.get_workflow_handle_for(UnitDeadlineWorkflow.run, workflow_id)
        history = await handle.fetch_history()
        found.extend(
            e.workflow_task_started_event_attributes.identity
            for e in history.events
            if e.HasField("workflow_task_started_event_attributes")
        )
    return found
