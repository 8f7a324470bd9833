"""Every output renders the same deadlines the same way (issue 15): the last day in force,
days overdue by the one rule, reminders and escalations sent.

One store (Sở Y tế overdue five days, reminded three times, escalated once) read by every
output a person sees: the supervisor's digest (email, Telegram, .xlsx), the escalation
email with its .ics and its Telegram message, the unit page, the submit page, the matrix
export and `hanchot status`.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import openpyxl
from fastapi.testclient import TestClient
from icalendar import Calendar as ICal
from typer.testing import CliRunner

from deadlines import present
from notifier.compose import Row, compose
from notifier.digest import digest_xlsx
from notifier.render import Context, render
from notifier.settings import NotifierSettings, Secret
from store import deadlines_repo, digests
from store.enums import Channel
from store.models import Unit, UnitDeadline, WebRole
from store.submit_links import make_token
from tests.digests.seed import CAL, _event, deadline_id, seed
from tests.web.support import login
from tests.workflows.support import sqlite_store
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

TZ = present.TZ
SECRET = "m" * 40
EMAIL, PASSWORD = "dieuphoi@thu.example", "mat-khau-du-dai-7"


def test_every_output_says_the_same_deadline_days_and_counts(tmp_path: Path) -> None:
    today = datetime.now(TZ).date()
    last = today - timedelta(days=5)
    legal_end = datetime.combine(last + timedelta(days=1), time(0), TZ).astimezone(UTC)
    store = sqlite_store(tmp_path)
    seed(store, tmp_path, overdue=True, legal_end=legal_end)
    with store.write() as session:  # the escalation to the head after the legal end
        deadlines_repo.apply_event(
            session, _event(legal_end, "unit-a", 2, "overdue", "escalated", 3)
        )
    create_account(store.engine, EMAIL, WebRole.COORDINATOR, None, password=PASSWORD)
    wid = deadline_id(legal_end.year, "unit-a")
    due = present.due_text(last)
    assert due.startswith("hết ngày Thứ ") or due.startswith("hết ngày Chủ nhật")
    overdue, sent = "quá hạn 5 ngày", "đã nhắc 3 lần, đôn đốc 1 lần"

    outputs: dict[str, str] = {}
    with store.read() as session:
        digest = digests.build_digest(session, CAL, "boss", datetime.now(UTC)).payload()
        deadline = session.query(UnitDeadline).filter_by(workflow_id=wid).one()
        unit_id = session.query(Unit.id).filter_by(key="unit-a").scalar()
    digest = {"kind": "digest", "digest_kind": "daily", **digest}
    mail = render("digest", digest, Context("Hoàng Văn Lãnh Đạo"))
    outputs["digest email"] = mail.text
    assert "5 ngày, nhắc 3 lần, đôn đốc 1 lần" in mail.chat
    sheet = openpyxl.load_workbook(io.BytesIO(digest_xlsx(digest)))["Quá hạn"]
    header, row = [list(r) for r in sheet.iter_rows(values_only=True, max_row=2)]
    values = dict(zip(header, row, strict=True))
    assert values["Hạn cuối"].date() == last
    assert (values["Số ngày quá hạn"], values["Số lần đã nhắc"], values["Số lần đôn đốc"]) == (
        5,
        3,
        1,
    )

    settings = NotifierSettings(secret=Secret(SECRET), data_dir=tmp_path, public_url="http://x")
    payload = {
        "kind": "escalation",
        "step": "escalate:1:focal_point",
        "obligation_name": "Báo cáo 6 tháng công tác bình đẳng giới",
        "period_label": f"6 tháng đầu năm {legal_end.year}",
        "unit_name": "Sở Y tế",
        "legal_end": last.isoformat(),  # what the workflow's timeline carries: the last day
        "due_at": deadline.due_at.isoformat(),
        "details": {"to": "focal_point"},
    }
    rows = {
        channel: Row(
            1,
            wid,
            "escalate:1:focal_point",
            channel,
            1,
            "fp-a",
            "Trần Văn A",
            "vi",
            "Asia/Ho_Chi_Minh",
            "a@thu.example",
            deadline.id,
            payload,
            1,
        )
        for channel in (Channel.EMAIL, Channel.TELEGRAM)
    }
    email = compose(settings, rows[Channel.EMAIL], datetime.now(UTC))
    outputs["escalation email"] = email.text
    assert f"Đã {overdue}." in email.text
    [ics] = email.attachments
    [event] = ICal.from_ical(ics.data).walk("VEVENT")
    outputs[".ics"] = str(event["description"])
    outputs["Telegram"] = compose(settings, rows[Channel.TELEGRAM], datetime.now(UTC)).chat_html

    web = WebSettings(database_url=str(store.engine.url), secret=SECRET, data_dir=tmp_path)
    app = create_app(web, None)  # type: ignore[arg-type]  # pages only read
    try:
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        token = make_token(SECRET, wid, person="fp-a")
        outputs["submit page"] = client.get(f"/nop/{token}").text
        login(client, EMAIL, PASSWORD)
        outputs["unit page"] = client.get(f"/units/{unit_id}").text
        matrix = client.get(f"/matrix?calendar={CAL}&year={legal_end.year}&format=xlsx").content
    finally:
        app.state.hanchot.engine.dispose()
    sheet = openpyxl.load_workbook(io.BytesIO(matrix)).active
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    column = next(i for i, h in enumerate(header) if str(h).endswith(": hạn cuối (hết ngày)"))
    [cell] = [r[column] for r in body if r[0] == "unit-a" and r[column] is not None]
    assert cell.date() == last

    env = {
        "HANCHOT_DATABASE_URL": str(store.engine.url),
        "HANCHOT_TEMPORAL_ADDRESS": "127.0.0.1:9",  # the engine down: the store answers
        "COLUMNS": "300",
    }
    from hanchot.cli import app as cli

    result = CliRunner().invoke(cli, ["status", "unit-a"], env=env)
    assert result.exit_code == 0, result.output
    outputs["hanchot status"] = " ".join(result.output.split())

    for name, text in outputs.items():
        assert due in text, f"{name} does not say {due!r}:\n{text}"
    for name in ("digest email", "submit page", "unit page", "hanchot status"):
        assert overdue in outputs[name], f"{name} does not say {overdue!r}"
    for name in ("digest email", "unit page", "hanchot status"):
        assert sent in outputs[name], f"{name} does not say {sent!r}"
