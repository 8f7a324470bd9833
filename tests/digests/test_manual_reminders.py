"""A reminder a coordinator sends by hand ("Nhắc ngay mọi đơn vị quá hạn") counts in the
deadline's reminders everywhere the count is shown: the supervisor's digest (text and
.xlsx), the unit page and its export, `hanchot status`. A double click counts once, and
the workflow's own count arriving later does not hide it."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from deadlines import present
from notifier.digest import digest_xlsx
from notifier.render import Context, render
from store import deadlines_repo, digests
from store.models import Cycle, Unit, WebRole
from store.resend import remind_overdue
from store.scopes import Scope
from tests.digests.seed import CAL, _event, cycle_id, seed
from tests.web.support import login
from tests.workflows.support import sqlite_store
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

TZ = present.TZ
SECRET = "m" * 40
EMAIL, PASSWORD = "dieuphoi@thu.example", "mat-khau-du-dai-7"


def test_a_manual_reminder_counts_in_the_page_the_digest_the_exports_and_the_cli(
    tmp_path: Path,
) -> None:
    today = datetime.now(TZ).date()
    legal_end = datetime.combine(today - timedelta(days=4), time(0), TZ).astimezone(UTC)
    store = sqlite_store(tmp_path)
    seed(store, tmp_path, overdue=True, legal_end=legal_end)  # the workflow reminded 3 times
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with store.write() as session:
        cycle = session.query(Cycle).filter_by(workflow_id=cycle_id(legal_end.year)).one()
        by = f"web:{EMAIL}"
        reminded = [
            remind_overdue(session, cycle.id, Scope(), by, now),
            remind_overdue(session, cycle.id, Scope(), by, now + timedelta(seconds=20)),
            remind_overdue(session, cycle.id, Scope(), by, now + timedelta(minutes=1)),
        ]
        # the workflow's next event mirrors its own count (3) into the row afterwards
        deadlines_repo.apply_event(
            session, _event(legal_end, "unit-a", 2, "overdue", "acknowledged", 3)
        )
        unit_id = session.query(Unit.id).filter_by(key="unit-a").scalar()
    assert reminded == [1, 0, 1]  # the double click in the same minute queued nothing
    sent = "đã nhắc 5 lần, đôn đốc 0 lần"

    with store.read() as session:
        digest = digests.build_digest(session, CAL, "boss", datetime.now(UTC)).payload()
    [unit] = [u for g in digest["groups"] for u in g["units"] if u["unit_key"] == "unit-a"]
    assert unit["reminders_sent"] == 5
    mail = render("digest", {"kind": "digest", "digest_kind": "daily", **digest}, Context("Sếp"))
    assert "nhắc 5 lần, đôn đốc 0 lần" in mail.chat
    sheet = openpyxl.load_workbook(io.BytesIO(digest_xlsx(digest)))["Quá hạn"]
    header, row = [list(r) for r in sheet.iter_rows(values_only=True, max_row=2)]
    assert dict(zip(header, row, strict=True))["Số lần đã nhắc"] == 5

    web = WebSettings(database_url=str(store.engine.url), secret=SECRET, data_dir=tmp_path)
    app = create_app(web, None)  # type: ignore[arg-type]  # pages only read
    try:
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        login(client, EMAIL, PASSWORD)
        page = client.get(f"/units/{unit_id}").text
        exported = client.get(f"/units/{unit_id}?table=deadlines&format=csv").text
    finally:
        app.state.hanchot.engine.dispose()
    assert sent in page
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [r["Số lần đã nhắc"] for r in rows if r["Trạng thái"] == "Quá hạn"] == ["5"]

    env = {
        "HANCHOT_DATABASE_URL": str(store.engine.url),
        "HANCHOT_TEMPORAL_ADDRESS": "127.0.0.1:9",  # the engine down: the store answers
        "COLUMNS": "300",
    }
    from hanchot.cli import app as cli

    result = CliRunner().invoke(cli, ["status", "unit-a"], env=env)
    assert result.exit_code == 0, result.output
    assert sent in " ".join(result.output.split())
