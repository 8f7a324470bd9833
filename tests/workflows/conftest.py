"""A migrated store on SQLite and, when available, PostgreSQL (production's database).

PostgreSQL comes from `$HANCHOT_TEST_POSTGRES_URL` (`.ci/postgres.sh` prints one); without
it those variants skip, unless `HANCHOT_REQUIRE_POSTGRES=1` (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from activities.store_access import StoreAccess
from store import db, migrate


def _postgres_admin() -> str:
    url = os.environ.get("HANCHOT_TEST_POSTGRES_URL")
    if url:
        return url
    message = "PostgreSQL variant needs $HANCHOT_TEST_POSTGRES_URL (run .ci/postgres.sh)"
    if os.environ.get("HANCHOT_REQUIRE_POSTGRES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreAccess]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hanchot.db'}"
        dropped = None
    else:
        admin = _postgres_admin()
        dropped = f"hanchot_wf_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dropped}"')
        url = make_url(admin).set(database=dropped).render_as_string(hide_password=False)
    migrate.upgrade(url)
    engine = db.create_engine(url)
    try:
        yield StoreAccess(engine)
    finally:
        engine.dispose()
        if dropped is not None:
            with psycopg.connect(_libpq(_postgres_admin()), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')
