"""The dashboard's queries on PostgreSQL (production's database): JSON paths into the
frozen snapshots, the recursive scope CTE, the matrix and the exports.

Needs `$HANCHOT_TEST_POSTGRES_URL` (`.ci/postgres.sh` prints one); skipped without it,
unless `HANCHOT_REQUIRE_POSTGRES=1`, as in tests/store.
"""

from __future__ import annotations

import io
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from store import db, migrate
from tests.web.conftest import ACCOUNTS, PASSWORD
from tests.web.factory import fill
from tests.web.support import RecordingGateway, login
from tests.web.test_store_read_side import check_campaign_not_in_rates
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

pytestmark = pytest.mark.postgres


@pytest.fixture
def postgres_url() -> Iterator[str]:
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


def test_the_dashboard_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    migrate.upgrade(postgres_url)
    engine = db.create_engine(postgres_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        fill(session, tmp_path)
    for key in ("coordinator", "supervisor"):
        email, role, scope = ACCOUNTS[key]
        create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    settings = WebSettings(database_url=postgres_url, secret="p" * 40, data_dir=tmp_path)
    app = create_app(settings, RecordingGateway())
    try:
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        login(client, ACCOUNTS["coordinator"][0], PASSWORD)
        overview = client.get("/?year=2025").text
        commune = overview.split("Báo cáo 6 tháng cấp xã", 1)[1].split("</tr>", 1)[0]
        assert re.findall(r'<td class="num">([^<]*)</td>', commune) == [
            "5",
            "3",
            "2",
            "2",
            "1",
            "60,0%",
            "40,0%",
        ]
        assert "hết ngày Thứ Hai, 09/06/2025" in commune  # read from the snapshot by a JSON path
        matrix = client.get("/matrix?year=2025&status=at_risk").text
        assert set(re.findall(r'href="/units/\d+">([^<]+)<', matrix)) == {"UBND huyện A"}
        for path in ("/chart", "/plan?year=2025", "/extensions", "/outbox", "/quarantine"):
            assert client.get(path).status_code == 200, path
        sheet = openpyxl.load_workbook(
            io.BytesIO(client.get("/matrix?year=2025&format=xlsx").content)
        ).active
        assert sheet.max_row == 11  # header + 10 units
        scoped = TestClient(app, base_url="http://127.0.0.1:8000")
        login(scoped, ACCOUNTS["supervisor"][0], PASSWORD)
        names = re.findall(r'href="/units/\d+">([^<]+)<', scoped.get("/matrix?year=2025").text)
        assert set(names) == {"UBND huyện A", "UBND xã A1", "UBND xã A2", "UBND xã A3"}
    finally:
        app.state.hanchot.engine.dispose()


def test_a_campaign_without_a_result_report_is_not_in_the_rates(
    postgres_url: str, tmp_path: Path
) -> None:
    migrate.upgrade(postgres_url)
    check_campaign_not_in_rates(postgres_url, tmp_path)
