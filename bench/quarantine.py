"""Server time of a quarantine page (keyset pages of 100, newest first) at the first page
and at a deep one, beside the bare store call behind it.

    .venv/bin/python bench/quarantine.py                       # 20,000 replies, SQLite file
    .venv/bin/python bench/quarantine.py --replies 100000
    .venv/bin/python bench/quarantine.py --database-url postgresql+psycopg://…/empty_db

The province of bench/dashboard.py (1,000 units, six annual obligations, a deadline per
unit and obligation) gets a focal point per commune and `--replies` quarantined replies
spread over three years: 70% matched to a random deadline, 20% from a focal point but
matched to none, 10% from strangers; 90% already resolved. Each page is timed for the
installation-wide coordinator (`all`) and for a district coordinator (one district of
about a hundred communes, `district`), under the filters `all` and `open`:
  store  quarantine.listing (the count and the page's rows)
  page   GET /quarantine?show=…[&before=…] (the same, plus HTML)
at the first page and at the page holding the reply at 90% of the filter's depth
(`deep`); the median of `--runs` runs, in milliseconds, in-process (no network).
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
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # bench/dashboard.py: its province and account

import sqlalchemy as sa  # noqa: E402
from dashboard import PASSWORD, NoGateway, build  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from deadlines.model import Role  # noqa: E402
from store import db, migrate, quarantine  # noqa: E402
from store.enums import InboundChannel, InboundOutcome  # noqa: E402
from store.models import (  # noqa: E402
    InboundMessage,
    Person,
    Unit,
    UnitContact,
    UnitDeadline,
    WebRole,
)
from store.scopes import Scope, scope_of  # noqa: E402
from web.accounts import create_account  # noqa: E402
from web.app import create_app  # noqa: E402
from web.settings import WebSettings  # noqa: E402

UNITS = 1000
DISTRICT = "huyen-00000"
SHOW = {"open": False, "all": None}


def fill(url: str, replies: int, seed: int = 2026) -> None:
    engine = db.create_engine(url)
    rng = random.Random(seed)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    span = int(timedelta(days=3 * 365).total_seconds())
    with db.session_factory(engine, writes=True)() as session, session.begin():
        calendar_id, _ = session.execute(sa.select(Unit.calendar_id, Unit.id)).first() or (0, 0)
        communes = list(session.scalars(sa.select(Unit.id).where(Unit.kind == "commune")))
        for uid in communes:
            person = Person(
                calendar_id=calendar_id, key=f"fp-{uid}", name=f"Đầu mối {uid}", language="vi"
            )
            session.add(person)
            session.flush()
            session.add(UnitContact(unit_id=uid, person_id=person.id, role=Role.FOCAL_POINT))
        session.flush()
        people = list(session.scalars(sa.select(Person.id).where(Person.key.like("fp-%"))))
        deadlines = list(session.scalars(sa.select(UnitDeadline.id)))
        rows: list[dict[str, Any]] = []
        for n in range(replies):
            kind = rng.random()
            at = start + timedelta(seconds=rng.randrange(span))
            resolved = rng.random() < 0.9
            rows.append(
                {
                    "channel": InboundChannel.EMAIL,
                    "sender": f"nguoi-gui-{n}@example.vn",
                    "person_id": rng.choice(people) if kind < 0.9 else None,
                    "raw_ref": f"<bench-{n}@example.vn>",
                    "deadline_id": rng.choice(deadlines) if kind < 0.7 else None,
                    "outcome": InboundOutcome.QUARANTINED,
                    "reason": "người gửi không phải đầu mối của đơn vị",
                    "received_at": at,
                    "resolved_at": at + timedelta(days=1) if resolved else None,
                    "resolved_by": "web:bench@do-luong.example" if resolved else None,
                    "resolution": "Bỏ qua: đo hiệu năng" if resolved else None,
                }
            )
            if len(rows) == 5000:
                session.execute(sa.insert(InboundMessage), rows)
                rows = []
        if rows:
            session.execute(sa.insert(InboundMessage), rows)
    if engine.dialect.name == "postgresql":  # as autovacuum would have, long before
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    create_account(
        engine,
        "huyen@do-luong.example",
        WebRole.COORDINATOR,
        f"do-luong/{DISTRICT}",
        password=PASSWORD,
    )
    engine.dispose()


def median_ms(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        action()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def logged_in(app: object, email: str) -> TestClient:
    client = TestClient(app, base_url="http://127.0.0.1:8000")  # type: ignore[arg-type]
    page = client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def deep_cursor(
    reader: Callable[[], Any], scope: Scope, resolved: bool | None
) -> tuple[quarantine.Cursor | None, int]:
    """The cursor before the reply at 90% of the filter's depth (what paging there would
    have reached), and that page's first position."""
    with reader() as session:
        total = quarantine.listing(session, scope, resolved=resolved, limit=1).total
        depth = int(total * 0.9) // quarantine.PAGE_SIZE * quarantine.PAGE_SIZE
        if depth == 0:
            return None, 1
        page = quarantine.listing(session, scope, resolved=resolved, limit=depth, count=False)
        last = page.rows[-1]
        return quarantine.Cursor(last.received_at, last.id), depth + 1


def measure(url: str, data: Path, runs: int) -> list[tuple[str, str, str, int, int, float, float]]:
    settings = WebSettings(database_url=url, secret="bench-" + "x" * 30, data_dir=data)
    app = create_app(settings, NoGateway())
    engine = db.create_engine(url)
    reader = db.session_factory(engine)
    with reader() as session:
        district = session.scalar(sa.select(Unit.id).where(Unit.key == DISTRICT))
        scopes = {"all": Scope(), "district": scope_of(session, district)}
    clients = {
        "all": logged_in(app, "bench@do-luong.example"),
        "district": logged_in(app, "huyen@do-luong.example"),
    }
    out = []
    for who, scope in scopes.items():
        for show, resolved in SHOW.items():
            for where in ("first", "deep"):
                cursor, first = (
                    deep_cursor(reader, scope, resolved) if where == "deep" else (None, 1)
                )

                def store(
                    scope: Scope = scope, resolved: bool | None = resolved, cursor: Any = cursor
                ) -> quarantine.Listing:
                    with reader() as session:
                        return quarantine.listing(session, scope, resolved=resolved, before=cursor)

                query = f"/quarantine?show={show}" + (
                    f"&before={cursor.encode()}" if cursor else ""
                )
                client = clients[who]

                def page(client: TestClient = client, query: str = query) -> None:
                    answer = client.get(query)
                    assert answer.status_code == 200 and "Hiển thị" in answer.text, answer.text

                listed = store()
                assert listed.first == first, (listed.first, first)
                page()  # warm the caches before timing
                out.append(
                    (
                        who,
                        show,
                        where,
                        listed.total,
                        listed.first,
                        median_ms(store, runs),
                        median_ms(page, runs),
                    )
                )
    engine.dispose()
    app.state.hanchot.engine.dispose()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--replies", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--database-url", help="an empty database (default: a SQLite file)")
    args = parser.parse_args()
    print(
        f"machine: {os.cpu_count()} CPU ({platform.machine()}), Python "
        f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start"
    )
    print("| store | scope | filter | page | replies in filter | first row | store ms | page ms |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        url = args.database_url or f"sqlite:///{data / 'bench.db'}"
        migrate.upgrade(url)
        build(url, UNITS)
        fill(url, args.replies)
        try:
            rows = measure(url, data, args.runs)
        finally:
            if args.database_url:
                migrate.downgrade(url, "base")
    backend = "PostgreSQL" if args.database_url else "SQLite"
    for who, show, where, total, first, store_ms, page_ms in rows:
        print(
            f"| {backend} | {who} | {show} | {where} | {total:,} | {first:,} | "
            f"{store_ms:.1f} | {page_ms:.1f} |"
        )


if __name__ == "__main__":
    main()
