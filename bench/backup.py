"""Backup figures: export and import of a store with N audit rows, on SQLite and PostgreSQL.

    .venv/bin/python bench/backup.py [--rows 100000] [--postgres URL]

Prints the time of each step, the archive's size, and the peak of Python memory allocated
during export and import (tracemalloc, measured in a second run): flat in N means the
tables are streamed, not loaded whole.
"""

from __future__ import annotations

import argparse
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


def run(backend: str, make: Callable[[], Any], rows: int, tmp: Path) -> None:
    with make() as source, make() as target, make() as again:
        fill(source, rows)
        archive = tmp / f"{backend}.zip"
        t_export = timed(lambda: export_store(archive, url=source, data_dir=tmp))
        t_import = timed(lambda: import_store(archive, url=target, data_dir=tmp / "r"))
        m_export = peak_mib(lambda: export_store(tmp / "again.zip", url=source, data_dir=tmp))
        m_import = peak_mib(lambda: import_store(archive, url=again, data_dir=tmp / "r2"))
        size = archive.stat().st_size / 2**20
        print(
            f"{backend:10} rows {rows:>8,}"
            f"  export {t_export:6.2f} s ({rows / t_export:,.0f} rows/s)"
            f"  import {t_import:6.2f} s ({rows / t_import:,.0f} rows/s)  archive {size:5.1f} MiB"
            f"  peak Python memory: export {m_export:5.1f} MiB, import {m_import:5.1f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        counter = iter(range(100))

        @contextmanager
        def sqlite() -> Iterator[str]:
            yield f"sqlite:///{tmp / f'{next(counter)}.db'}"

        run("sqlite", sqlite, args.rows, tmp)
        if args.postgres:
            run("postgresql", lambda: postgres_db(args.postgres), args.rows, tmp)


if __name__ == "__main__":
    main()
