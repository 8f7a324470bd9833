"""Backup figures: export and import of a store with N audit rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/backup.py [--rows 100000] [--postgres URL]

Prints the time of each step, the archive's size, and the peak of Python memory allocated
during export and import (tracemalloc, measured in a second run): flat in N means the
tables are streamed, not loaded whole. The baseline, run side by side on the same store,
is the bare data path: export = the rows streamed out as JSON lines into a plain file (no
zip, no SHA-256, no manifest); import = those lines inserted back in batches of 5,000 in
one transaction (no checks, no sequences). The ratio is what the archive's guarantees
cost. `--write` appends the table to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from store import db, migrate
from store.backup import export_store
from store.backup_restore import import_store
from store.models import AuditEntry


def fill(url: str, rows: int) -> None:
    migrate.upgrade(url)
    engine = db.create_engine(url, poolclass=NullPool)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    with engine.begin() as connection:
        for offset in range(0, rows, 5000):
            connection.execute(
                sa.insert(AuditEntry),
                [
                    {
                        "at": start + timedelta(seconds=i),
                        "actor": "engine",
                        "action": "reminded",
                        "subject": f"deadline:deadline/tinh/bao-cao-nam/2025/xa-{i % 500}",
                        "details": {"seq": i, "step": "remind:-3d", "ghi_chú": "Nhắc hạn nộp"},
                    }
                    for i in range(offset, min(rows, offset + 5000))
                ],
            )
    engine.dispose()


@contextmanager
def postgres_db(admin: str) -> Iterator[str]:
    name = f"hanchot_bench_{uuid.uuid4().hex[:8]}"
    libpq = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed(step: Callable[[], Any]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def peak_mib(step: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        step()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def bare_export(url: str, path: Path) -> None:
    engine = db.create_engine(url, poolclass=NullPool)
    table = AuditEntry.__table__
    with engine.connect() as connection, path.open("w", encoding="utf-8") as out:
        result = connection.execution_options(stream_results=True, yield_per=5000).execute(
            sa.select(table)
        )
        for row in result:
            out.write(json.dumps(row._asdict(), default=str, ensure_ascii=False) + "\n")
    engine.dispose()


def bare_import(path: Path, url: str) -> None:
    engine = db.create_engine(url, poolclass=NullPool)
    table = AuditEntry.__table__
    batch: list[dict[str, Any]] = []
    with engine.begin() as connection, path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            row["at"] = datetime.fromisoformat(row["at"])
            batch.append(row)
            if len(batch) == 5000:
                connection.execute(sa.insert(table), batch)
                batch = []
        if batch:
            connection.execute(sa.insert(table), batch)
    engine.dispose()


def run(backend: str, make: Callable[[], Any], rows: int, tmp: Path) -> dict[str, float]:
    with make() as source, make() as target, make() as again, make() as bare_target:
        fill(source, rows)
        migrate.upgrade(bare_target)
        archive = tmp / f"{backend}.zip"
        dump = tmp / f"{backend}.jsonl"
        t_export = timed(lambda: export_store(archive, url=source, data_dir=tmp))
        b_export = timed(lambda: bare_export(source, dump))
        t_import = timed(lambda: import_store(archive, url=target, data_dir=tmp / "r"))
        b_import = timed(lambda: bare_import(dump, bare_target))
        m_export = peak_mib(lambda: export_store(tmp / "again.zip", url=source, data_dir=tmp))
        m_import = peak_mib(lambda: import_store(archive, url=again, data_dir=tmp / "r2"))
        size = archive.stat().st_size / 2**20
        print(
            f"{backend:10} rows {rows:>8,}"
            f"  export {t_export:6.2f} s (bare {b_export:5.2f} s, {t_export / b_export:4.1f}x)"
            f"  import {t_import:6.2f} s (bare {b_import:5.2f} s, {t_import / b_import:4.1f}x)"
            f"  archive {size:5.1f} MiB"
            f"  peak Python memory: export {m_export:5.1f} MiB, import {m_import:5.1f} MiB"
        )
        return {
            "export": t_export,
            "bare_export": b_export,
            "import": t_import,
            "bare_import": b_import,
            "size": size,
            "m_export": m_export,
            "m_import": m_import,
        }


def write_results(rows: int, results: dict[str, dict[str, float]]) -> None:
    load = os.getloadavg()[0]
    lines = [
        "",
        "## backup",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d} with `.venv/bin/python bench/backup.py --rows {rows}"
        f" --write` on {os.cpu_count()} CPU ({platform.machine()}), Python"
        f" {platform.python_version()}, load average {load:.1f} at start.",
        "",
        "*bare* is the same rows streamed out as JSON lines into a plain file and inserted"
        " back in batches of 5,000 (no zip, no SHA-256, no manifest, no checks); the ratio"
        " is what the archive's guarantees cost.",
        "",
        "| store | audit rows | export s | bare s | export / bare | import s | bare s"
        " | import / bare | archive MiB | peak MiB export / import |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {"sqlite": "SQLite file", "postgresql": "PostgreSQL"}
    for backend, r in results.items():
        lines.append(
            f"| {names[backend]} | {rows:,} | {r['export']:.2f} | {r['bare_export']:.2f}"
            f" | {r['export'] / r['bare_export']:.1f} | {r['import']:.2f}"
            f" | {r['bare_import']:.2f} | {r['import'] / r['bare_import']:.1f}"
            f" | {r['size']:.1f} | {r['m_export']:.1f} / {r['m_import']:.1f} |"
        )
    path = Path(__file__).with_name("RESULTS.md")
    with path.open("a", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print(f"appended to {path}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    parser.add_argument("--write", action="store_true", help="append to bench/RESULTS.md")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        counter = iter(range(100))

        @contextmanager
        def sqlite() -> Iterator[str]:
            yield f"sqlite:///{tmp / f'{next(counter)}.db'}"

        results["sqlite"] = run("sqlite", sqlite, args.rows, tmp)
        if args.postgres:
            results["postgresql"] = run(
                "postgresql", lambda: postgres_db(args.postgres), args.rows, tmp
            )
    if args.write:
        write_results(args.rows, results)


if __name__ == "__main__":
    main()
