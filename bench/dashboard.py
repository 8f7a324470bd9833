"""Server time to render the compliance matrix, beside the bare database query behind it.

    .venv/bin/python bench/dashboard.py                 # 1,000 and 10,000 units × 6
    .venv/bin/python bench/dashboard.py --units 2000    # another size
    .venv/bin/python bench/dashboard.py --write         # also record in bench/RESULTS.md

A province is generated: districts of about a hundred communes each, six annual
obligations owed by every district and commune, one open cycle each, and a deadline per
unit and cycle in a status drawn at random (seeded), so a matrix has units × 6 cells.
The store is a SQLite file (the embedded default), or `--database-url`.

For each size it times, in-process (no network), the median of a few runs of:
  query   the bare SELECT of every deadline of the year's cycles (store.dashboard.matrix_cells)
  page    GET /matrix (the first 500 rows, the whole tree rolled up, filters, HTML)
  export  GET /matrix?format=csv (every row)
and prints each as milliseconds and as a ratio to the query.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from deadlines.expected import DeadlineStatus  # noqa: E402
from deadlines.model import (  # noqa: E402
    Calendar,
    DayMonth,
    DueRule,
    Obligation,
    Organisation,
    PeriodKind,
    Person,
    Submitters,
    Unit,
)
from store import dashboard, db, migrate  # noqa: E402
from store.calendars import save_calendar  # noqa: E402
from store.models import Cycle, UnitDeadline, WebRole  # noqa: E402
from store.models import Obligation as ObligationRow  # noqa: E402
from store.models import Unit as UnitRow  # noqa: E402
from store.scopes import Scope  # noqa: E402
from web.accounts import create_account  # noqa: E402
from web.app import create_app  # noqa: E402
from web.gateway import Action, Decision, ExtensionAsked, GatewayResult, Submission  # noqa: E402
from web.settings import WebSettings  # noqa: E402

RESULTS = ROOT / "bench" / "RESULTS.md"
YEAR = 2025
OBLIGATIONS = 6
COMMUNES_PER_DISTRICT = 100
STATUSES = [
    (DeadlineStatus.SUBMITTED_ON_TIME, 50),
    (DeadlineStatus.SUBMITTED_LATE, 10),
    (DeadlineStatus.OPEN, 15),
    (DeadlineStatus.DUE_SOON, 8),
    (DeadlineStatus.OVERDUE, 10),
    (DeadlineStatus.EXTENDED, 3),
    (DeadlineStatus.EXCUSED, 2),
    (DeadlineStatus.MISSING, 2),
]
PASSWORD = "mat-khau-do-hieu-nang"


class NoGateway:
    """The bench only reads; any action would be a bug in it."""

    async def submit(self, workflow_id: str, submission: Submission) -> GatewayResult:
        raise AssertionError("read-only bench")

    async def decide_extension(self, workflow_id: str, decision: Decision) -> GatewayResult:
        raise AssertionError("read-only bench")

    async def request_extension(self, workflow_id: str, asked: ExtensionAsked) -> GatewayResult:
        raise AssertionError("read-only bench")

    async def excuse(self, workflow_id: str, action: Action) -> GatewayResult:
        raise AssertionError("read-only bench")

    async def reopen(self, workflow_id: str, action: Action) -> GatewayResult:
        raise AssertionError("read-only bench")


def province(units: int) -> Calendar:
    """One province, ceil((units-2)/101) districts, communes under them: `units` in all."""
    rows = [
        Unit("tinh", "UBND tỉnh Đo Lường", "province"),
        Unit("so-noi-vu", "Sở Nội vụ", "office", "tinh", focal_points=("coord",)),
    ]
    district = None
    for i in range(units - 2):
        if i % (COMMUNES_PER_DISTRICT + 1) == 0:
            district = f"huyen-{i:05d}"
            rows.append(Unit(district, f"UBND huyện {i:05d}", "district", "tinh"))
        else:
            rows.append(Unit(f"xa-{i:05d}", f"UBND xã {i:05d}", "commune", district))
    obligations = tuple(
        Obligation(
            f"bc-{k}",
            f"Báo cáo chuyên đề {k}",
            PeriodKind.ANNUAL,
            (DueRule("before 15/12", False, "", DayMonth(15, 12)),),
            Submitters(kinds=("district", "commune")),
            "so-noi-vu",
        )
        for k in range(1, OBLIGATIONS + 1)
    )
    return Calendar(
        id="do-luong",
        name="Lịch đo hiệu năng",
        organisation=Organisation("ubnd", "UBND tỉnh"),
        people=(Person("coord", "Điều phối", "coord@do-luong.example"),),
        units=tuple(rows),
        supervisors=(),
        obligations=obligations,
    )


def build(url: str, units: int, seed: int = 2025) -> None:
    engine = db.create_engine(url)
    rng = random.Random(seed)
    statuses, weights = zip(*STATUSES, strict=True)
    legal_end = datetime(YEAR, 12, 14, 17, tzinfo=UTC)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        save_calendar(session, province(units), "do-luong.yaml")
        unit_ids = {key: uid for key, uid in session.execute(sa.select(UnitRow.key, UnitRow.id))}
        submitters = [uid for key, uid in unit_ids.items() if key.startswith(("huyen", "xa"))]
        for key, oid in session.execute(sa.select(ObligationRow.key, ObligationRow.id)).all():
            wid = f"cycle/do-luong/{key}/{YEAR}"
            snapshot = {
                "cycle": {
                    "period_label": f"Năm {YEAR}",
                    "due_text": "before 15/12",
                    "timeline": {"legal_end_at": legal_end.isoformat()},
                },
                "units": [],
            }
            cycle = Cycle(workflow_id=wid, obligation_id=oid, period=str(YEAR), snapshot=snapshot)
            session.add(cycle)
            session.flush()
            rows = []
            for uid in submitters:
                status = rng.choices(statuses, weights)[0]
                rows.append(
                    {
                        "workflow_id": f"deadline/do-luong/{key}/{YEAR}/{uid}",
                        "cycle_id": cycle.id,
                        "unit_id": uid,
                        "status": status,
                        "legal_end_at": legal_end,
                        "extended_until": legal_end + timedelta(days=7)
                        if status is DeadlineStatus.EXTENDED
                        else None,
                        "submitted_at": legal_end - timedelta(days=2) if status.submitted else None,
                    }
                )
            session.execute(sa.insert(UnitDeadline), rows)
    create_account(engine, "bench@do-luong.example", WebRole.COORDINATOR, None, password=PASSWORD)
    engine.dispose()


def median_ms(action, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Median wall and CPU milliseconds of `action`. CPU time (every thread of this process:
    the test client serves the app from another one) is the steadier figure on a shared
    machine, where the wall clock also counts other people's work."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(times), statistics.median(cpu)


def measure(url: str, data: Path, units: int, runs: int) -> dict[str, tuple[float, float]]:
    settings = WebSettings(database_url=url, secret="bench-" + "x" * 30, data_dir=data)
    app = create_app(settings, NoGateway())
    client = TestClient(app, base_url="http://127.0.0.1:8000")
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login",
        data={"email": "bench@do-luong.example", "password": PASSWORD, "csrf_token": token},
    )
    engine = db.create_engine(url)
    reader = db.session_factory(engine)
    with reader() as session:
        cycle_ids = list(session.scalars(sa.select(Cycle.id)))

    def query() -> None:
        with reader() as session:
            rows = dashboard.matrix_cells(session, cycle_ids, Scope())
            assert len(rows) == len(cycle_ids) * (units - 2)

    def page_() -> None:
        answer = client.get(f"/matrix?year={YEAR}")
        assert answer.status_code == 200 and "UBND huyện 00000" in answer.text

    def export() -> None:
        answer = client.get(f"/matrix?year={YEAR}&format=csv")
        assert answer.status_code == 200 and answer.text.count("\r\n") == units + 1

    page_()  # warm the caches (templates, SQLite pages) before timing
    out = {
        "query": median_ms(query, runs),
        "page": median_ms(page_, runs),
        "export": median_ms(export, runs),
    }
    engine.dispose()
    app.state.hanchot.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    args = parser.parse_args()
    machine = (
        f"{os.cpu_count()} CPU ({platform.processor() or platform.machine()}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    lines = [
        "| units | cells | query ms | page ms | page / query | export ms | export / query "
        "| CPU ms: query / page / export | CPU page / query | CPU export / query |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print(f"machine: {machine}")
    for units in args.units:
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            url = args.database_url or f"sqlite:///{data / 'bench.db'}"
            migrate.upgrade(url)
            build(url, units)
            m = measure(url, data, units, args.runs)
            if args.database_url:
                migrate.downgrade(url, "base")
        cells = (units - 2) * OBLIGATIONS
        (query, query_cpu), (page, page_cpu), (export, export_cpu) = (
            m["query"],
            m["page"],
            m["export"],
        )
        line = (
            f"| {units:,} | {cells:,} | {query:.0f} | {page:.0f} | {page / query:.1f} | "
            f"{export:.0f} | {export / query:.1f} | {query_cpu:.0f} / {page_cpu:.0f} / "
            f"{export_cpu:.0f} | {page_cpu / query_cpu:.1f} | {export_cpu / query_cpu:.1f} |"
        )
        lines.append(line)
        print(line)
    if args.write:
        backend = "PostgreSQL" if args.database_url else "SQLite file (the embedded default)"
        write_section(machine, backend, args.runs, lines)


def write_section(machine: str, backend: str, runs: int, table: list[str]) -> None:
    """Replace (or add) the `## dashboard` section of RESULTS.md, leaving the others."""
    today = datetime.now(UTC).date().isoformat()
    section = "\n".join(
        [
            "## dashboard",
            "",
            f"Run {today} with `.venv/bin/python bench/dashboard.py --write` on {machine}; "
            f"store: {backend}; median of {runs} runs, in-process (no network); wall and "
            "CPU time (all threads of the process: steadier on a shared machine).",
            "",
            "A province of districts with about a hundred communes each, six annual "
            "obligations owed by every district and commune, one cycle each: a matrix of "
            "units × 6 cells. *query* is the bare SELECT behind the matrix (every deadline "
            "of the year's cycles); *page* is `GET /matrix` (the whole tree loaded and "
            "rolled up, filters applied, the first 500 rows as HTML); *export* is "
            "`GET /matrix?format=csv` (every row).",
            "",
            *table,
            "",
        ]
    )
    text = RESULTS.read_text(encoding="utf-8")
    start = text.find("\n## dashboard")
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + 1)
        text = text[: start + 1] + section + (text[end:] if end != -1 else "")
    RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
