"""Editor figures: a coordinator's actions on a calendar of N communes, in-process.

    .venv/bin/python bench/editor.py [--units 3000] [--rounds 3] [--write]

Each edit checks the whole calendar through the loader (the same checks as `hanchot
check`), so the baseline is that bare check of the document (`config.document.calendar_of`),
run side by side: *page* is `GET /editor/<calendar>` (the draft, its changes against the
base revision in words, the unit tree), *save* is one unit form posted (the whole document
checked, then the draft written), *preview* is `GET /editor/<calendar>/preview` (what the
engine would do, as `hanchot load --dry-run`), *publish* is the draft published as a
revision (store rows brought in line). Medians of the rounds, SQLite store. `--write`
appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient

from activities.publishing import publish_document
from config.document import calendar_of
from store import db, migrate
from store.models import WebRole
from tests.web.support import RecordingGateway, login
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

EMAIL, PASSWORD = "dieuphoi@bench.example", "mat-khau-du-dai-bench"
CSRF = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def document(units: int) -> dict[str, object]:
    people = [{"id": "coord", "name": "Điều Phối Viên", "email": "coord@lon.example"}]
    rows: list[dict[str, object]] = [
        {"id": "tinh", "name": "UBND tỉnh Lớn", "kind": "province"},
        {
            "id": "so-noi-vu",
            "name": "Sở Nội vụ",
            "kind": "office",
            "parent": "tinh",
            "focal_point": "coord",
        },
    ]
    for i in range(units):
        people.append({"id": f"fp-{i:04d}", "name": f"Cán bộ {i}", "email": f"fp{i}@x.example"})
        rows.append(
            {
                "id": f"xa-{i:04d}",
                "name": f"UBND xã Số {i}",
                "kind": "commune",
                "parent": "tinh",
                "focal_point": f"fp-{i:04d}",
            }
        )
    return {
        "calendar": {"id": "lon", "name": "Lịch thử tải"},
        "organisation": {"id": "ubnd-lon", "name": "UBND tỉnh Lớn"},
        "people": people,
        "units": rows,
        "obligations": [
            {
                "id": "bao-cao-nam",
                "name": "Báo cáo năm",
                "period": "annual",
                "due": "by 15/12",
                "submitters": {"kinds": ["commune"]},
                "receiver": "so-noi-vu",
            }
        ],
    }


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def one_round(doc: dict[str, object], r: int) -> dict[str, float]:
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'h.db'}"
        migrate.upgrade(url)
        engine = db.create_engine(url)
        with db.session_factory(engine, writes=True)() as session, session.begin():
            publish_document(session, doc, source="yaml", author="bench")
        create_account(engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
        engine.dispose()
        settings = WebSettings(database_url=url, secret="b" * 40, data_dir=Path(tmp))
        app = create_app(settings, RecordingGateway())
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        login(client, EMAIL, PASSWORD)
        client.get("/editor/lon")  # the draft made once, as on a first visit
        out["check"] = timed(lambda: calendar_of(doc, "bench"))
        out["page"] = timed(lambda: client.get("/editor/lon"))
        found = CSRF.search(client.get("/editor/lon/units/xa-0001").text)
        assert found is not None
        form = {
            "csrf_token": found.group(1),
            "name": f"UBND xã Đổi Tên {r}",
            "kind": "commune",
            "parent": "tinh",
            "focal_point": "fp-0001",
        }
        answers = []
        out["save"] = timed(
            lambda: answers.append(
                client.post("/editor/lon/units/xa-0001", data=form, follow_redirects=False)
            )
        )
        out["preview"] = timed(lambda: client.get("/editor/lon/preview"))
        publish = {"csrf_token": found.group(1)}
        out["publish"] = timed(
            lambda: answers.append(
                client.post("/editor/lon/publish", data=publish, follow_redirects=False)
            )
        )
        assert [a.status_code for a in answers] == [303, 303], answers[-1].text[:500]
        app.state.hanchot.engine.dispose()
    return out


def run(units: int, rounds: int) -> dict[str, float]:
    doc = document(units)
    results = [one_round(doc, r) for r in range(rounds)]
    return {k: statistics.median(r[k] for r in results) for k in results[0]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    f = run(args.units, args.rounds)
    lines = [
        "| units | check ms (baseline) | page ms | save ms | save / check | preview ms "
        "| publish ms |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {args.units:,} | {f['check']:.0f} | {f['page']:.0f} | {f['save']:.0f} | "
        f"{f['save'] / f['check']:.1f} | {f['preview']:.0f} | {f['publish']:.0f} |",
    ]
    print("\n".join(lines))
    if args.write:
        head = (
            f"\n## editor\n\nRun {datetime.now(UTC):%Y-%m-%d} with "
            f"`.venv/bin/python bench/editor.py --units {args.units} --write` on "
            f"{os.cpu_count()} CPU ({platform.machine()}), "
            f"Python {platform.python_version()}, load average {load:.1f} at start; median of "
            f"{args.rounds} rounds; SQLite store, in-process (no network).\n\n"
            "*check* is the bare loader check of the whole document (the baseline: every save "
            "needs it); *page* the draft page; *save* one unit form posted (checked, draft "
            "written); *preview* what the engine would do; *publish* the draft as a revision.\n\n"
        )
        with (Path(__file__).parent / "RESULTS.md").open("a", encoding="utf-8") as out:
            out.write(head + "\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
