"""Replacing or adding a submission's files from the signed link until the deadline in
force passes; after it, the page offers nothing and a post is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from fastapi.testclient import TestClient

from store import db
from store.models import AuditEntry, Evidence, Submission, UnitDeadline
from store.submit_links import make_token
from tests.web.conftest import Site
from tests.web.factory import PDF, legal_end
from tests.web.support import csrf
from web.app import create_app

DOCX = b"PK\x03\x04" + b"\x00" * 40


@contextmanager
def _client(site: Site, now: datetime) -> Iterator[TestClient]:
    app = create_app(site.settings, site.gateway, clock=lambda: now)
    try:
        yield TestClient(app, base_url="http://127.0.0.1:8000")
    finally:
        app.state.hanchot.engine.dispose()


def _files(site: Site, wid: str) -> tuple[list[str], list[str]]:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine)() as session:
            names = session.scalars(
                sa.select(Evidence.file_name)
                .join(Submission, Evidence.submission_id == Submission.id)
                .join(UnitDeadline, Submission.deadline_id == UnitDeadline.id)
                .where(UnitDeadline.workflow_id == wid)
                .order_by(Evidence.id)
            ).all()
            actions = session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.subject == f"deadline:{wid}")
                .where(AuditEntry.action.startswith("evidence_"))
                .order_by(AuditEntry.id)
            ).all()
            return list(names), list(actions)
    finally:
        engine.dispose()


def _send(client: TestClient, token: str, mode: str, *files: tuple[str, bytes]):  # type: ignore[no-untyped-def]
    form = csrf(client)  # the login form's: the token is the browser's, not the page's
    return client.post(
        f"/nop/{token}/tep",
        data={"csrf_token": form, "mode": mode},
        files=[("files", (name, data, "application/pdf")) for name, data in files],
    )


def test_files_are_added_then_replaced_until_the_deadline(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a1")]  # submitted on time
    token = make_token(site.settings.secret, wid, person="fp-xa-a1")
    before = legal_end("2025-H1") - timedelta(hours=3)
    with _client(site, before) as client:
        page = client.get(f"/nop/{token}").text
        assert f'action="/nop/{token}/tep"' in page and "hết ngày Thứ Hai, 09/06/2025" in page
        added = _send(client, token, "add", ("bao-cao.pdf", PDF))
        assert added.status_code == 200 and "Đã bổ sung bao-cao.pdf" in added.text
        replaced = _send(client, token, "replace", ("bao-cao-dung.pdf", PDF + b"v2"))
        assert "Đã thay bao-cao.pdf bằng bao-cao-dung.pdf" in replaced.text
        more = _send(client, token, "add", ("phu-luc.pdf", PDF + b"pl"))
        assert more.status_code == 200
    assert _files(site, wid) == (
        ["bao-cao-dung.pdf", "phu-luc.pdf"],
        ["evidence_added", "evidence_replaced", "evidence_added"],
    )
    assert site.gateway.calls == []  # the submission itself (time, status) is untouched


def test_after_the_deadline_files_can_no_longer_change(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a1")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a1")
    after = legal_end("2025-H1") + timedelta(minutes=1)
    with _client(site, after) as client:
        assert f'action="/nop/{token}/tep"' not in client.get(f"/nop/{token}").text
        answer = _send(client, token, "replace", ("muon.pdf", PDF))
    assert answer.status_code == 409 and "đã quá hạn cuối" in answer.text
    assert _files(site, wid) == ([], [])


def test_a_deadline_not_yet_submitted_takes_no_file_change(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]  # overdue, nothing handed in
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    with _client(site, legal_end("2025-H1") - timedelta(days=1)) as client:
        answer = _send(client, token, "add", ("a.pdf", PDF))
    assert answer.status_code == 409 and "chưa có báo cáo" in answer.text
