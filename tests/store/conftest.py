"""Fixtures giving each test a fresh database on SQLite and on PostgreSQL.

PostgreSQL comes from `$HANCHOT_TEST_POSTGRES_URL` (a role allowed to create databases;
`.ci/postgres.sh` prints one). Without it the PostgreSQL variants skip, unless
`HANCHOT_REQUIRE_POSTGRES=1`, where they fail: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from store import db, migrate

POSTGRES_URL_ENV = "HANCHOT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "HANCHOT_REQUIRE_POSTGRES"

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _admin_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    message = f"PostgreSQL tests need ${POSTGRES_URL_ENV} (run .ci/postgres.sh)"
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(message + f"; ${REQUIRE_POSTGRES_ENV}=1 forbids skipping them")
    pytest.skip(message)


def _libpq(url: str) -> str:
    """The URL as libpq wants it (no SQLAlchemy driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    admin = _admin_url()
    name = f"hanchot_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(admin), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_libpq(admin), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database, on each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hanchot.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def migrated_url(db_url: str) -> str:
    """The URL of a database brought to the newest schema by the real migrations."""
    migrate.upgrade(db_url)
    return db_url


@pytest.fixture
def engine(migrated_url: str) -> Iterator[Engine]:
    engine = db.create_engine(migrated_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return db.session_factory(engine)
