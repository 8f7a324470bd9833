"""Fixtures: a filled store in a temporary data dir, accounts for each role, and the app
on a recording gateway."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from store import db, migrate
from store.models import WebRole
from tests.web.factory import Filled, fill
from tests.web.support import RecordingGateway, login
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

PASSWORD = "mat-khau-du-dai-1"
ACCOUNTS = {
    "coordinator": ("dieuphoi@thu.example", WebRole.COORDINATOR, None),
    "supervisor": ("lanhdao.a@thu.example", WebRole.SUPERVISOR, "tinh-thu/huyen-a"),
    "viewer": ("xem.b@thu.example", WebRole.VIEWER, "tinh-thu/huyen-b"),
    "district_coordinator": ("dieuphoi.b@thu.example", WebRole.COORDINATOR, "tinh-thu/huyen-b"),
}


@dataclass
class Site:
    settings: WebSettings
    gateway: RecordingGateway
    filled: Filled
    app: object

    def client(self, who: str | None = None) -> TestClient:
        client = TestClient(self.app, base_url="http://127.0.0.1:8000")  # type: ignore[arg-type]
        if who is not None:
            login(client, ACCOUNTS[who][0], PASSWORD)
        return client


@pytest.fixture(scope="session")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Filled]:
    """Migrated, filled and with its accounts: made once, copied for each test."""
    data = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{data / 'hanchot.db'}"
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        filled = fill(session, data)
    for email, role, scope in ACCOUNTS.values():
        create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    return data, filled


@pytest.fixture
def site(tmp_path: Path, filled_store: tuple[Path, Filled]) -> Iterator[Site]:
    template, filled = filled_store
    data = tmp_path / "data"
    shutil.copytree(template, data)
    settings = WebSettings(
        database_url=f"sqlite:///{data / 'hanchot.db'}",
        secret="test-secret-" + "x" * 20,
        data_dir=data,
        public_url="http://127.0.0.1:8000",
        upload_max_bytes=256 * 1024,
    )
    gateway = RecordingGateway()
    app = create_app(settings, gateway)
    evidence = data / filled.evidence_file.relative_to(template) if filled.evidence_file else None
    yield Site(settings, gateway, Filled(filled.deadlines, evidence), app)
    app.state.hanchot.engine.dispose()


@pytest.fixture
def postgres_web_url() -> Iterator[str]:
    """A new PostgreSQL database for one test, dropped afterwards (as tests/store does)."""
    admin = os.environ.get("HANCHOT_TEST_POSTGRES_URL")
    if not admin:
        message = "needs $HANCHOT_TEST_POSTGRES_URL (run .ci/postgres.sh)"
        if os.environ.get("HANCHOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    libpq = make_url(admin).set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"hanchot_web_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(libpq, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """The filled site on SQLite, then on PostgreSQL (production's database)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("site")
        return
    url = str(request.getfixturevalue("postgres_web_url"))
    data = tmp_path / "pg-data"
    data.mkdir()
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        filled = fill(session, data)
    for email, role, scope in ACCOUNTS.values():
        create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    settings = WebSettings(
        database_url=url,
        secret="test-secret-" + "p" * 20,
        data_dir=data,
        public_url="http://127.0.0.1:8000",
        upload_max_bytes=256 * 1024,
    )
    gateway = RecordingGateway()
    app = create_app(settings, gateway)
    yield Site(settings, gateway, filled, app)
    app.state.hanchot.engine.dispose()
