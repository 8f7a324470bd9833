"""The quarantine page: open replies by default and resolved ones on request, the original
downloaded (only from under the data dir, only in scope), a reply dismissed with a reason,
and a reply resolved by recording its submission on the unit's page. SQLite and
PostgreSQL; every resolution is audited once."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from store.enums import InboundChannel, InboundOutcome
from store.evidence import EvidenceStore
from store.models import AuditEntry, InboundMessage, Person, UnitDeadline
from tests.web.conftest import Site
from tests.web.support import csrf
from tests.web.test_record_submission import XA_A2, at_now, unit_id
from web import gateway as gw

RAW = b"From: ke.la@gmail.example\r\nSubject: Bao cao 6 thang\r\n\r\nGui kem bao cao.\r\n"


def quarantine(site: Site, ref: str, *, deadline: tuple[str, str, str] | None = XA_A2,
               original: str | None = "store", resolved: bool = False) -> int:  # fmt: skip
    """A quarantined mail reply about `deadline`; `original`: "store" keeps RAW under the
    data dir as the notifier does, any other string is written as the path."""
    path = original
    if original == "store":
        path = (
            EvidenceStore(site.settings.data_dir)
            .put(RAW, "reply.eml", "message/rfc822", kind="inbound")
            .storage_path
        )
    with site.app.state.hanchot.writer() as session, session.begin():  # type: ignore[attr-defined]
        deadline_id = None
        if deadline is not None:
            wid = site.filled.deadlines[deadline]
            deadline_id = session.scalar(
                sa.select(UnitDeadline.id).where(UnitDeadline.workflow_id == wid)
            )
        row = InboundMessage(
            channel=InboundChannel.EMAIL,
            sender="ke.la@gmail.example",
            raw_ref=ref,
            deadline_id=deadline_id,
            outcome=InboundOutcome.QUARANTINED,
            reason="người gửi không phải đầu mối của đơn vị",
            received_at=datetime(2025, 6, 8, 2, 0, tzinfo=UTC),
            original_path=path,
            resolved_at=datetime(2025, 6, 9, 2, 0, tzinfo=UTC) if resolved else None,
            resolved_by="web:khac@thu.example" if resolved else None,
            resolution="Bỏ qua: thư rác" if resolved else None,
        )
        session.add(row)
        session.flush()
        return int(row.id)


def stored(site: Site, message_id: int) -> InboundMessage:
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        row = session.get(InboundMessage, message_id)
        assert row is not None
        session.expunge(row)
        return row


def audit(site: Site, message_id: int) -> list[AuditEntry]:
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        rows = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.subject == f"inbound:{message_id}")
        ).all()
        session.expunge_all()
        return list(rows)


def dismiss(site: Site, who: str, message_id: int, reason: str):  # type: ignore[no-untyped-def]
    client = site.client(who)
    token = csrf(client, "/units/%d" % unit_id(site, "xa-b1"))  # noqa: UP031
    return client.post(
        f"/quarantine/{message_id}/dismiss",
        data={"reason": reason, "csrf_token": token},
        follow_redirects=False,
    )


def rows_of(page: str) -> list[str]:
    return re.findall(r'<tr id="q-(\d+)">', page)


def test_open_replies_by_default_resolved_ones_on_request(any_site: Site) -> None:
    site = any_site
    open_id = quarantine(site, "<open@x>")
    done_id = quarantine(site, "<done@x>", resolved=True)
    client = site.client("coordinator")
    shown = rows_of(client.get("/quarantine").text)
    assert str(open_id) in shown and str(done_id) not in shown
    assert len(shown) == 3  # with the factory's two, neither resolved
    resolved = client.get("/quarantine?show=resolved").text
    assert rows_of(resolved) == [str(done_id)]
    assert "Bỏ qua: thư rác" in resolved and "web:khac@thu.example" in resolved
    assert len(rows_of(client.get("/quarantine?show=all").text)) == 4
    uid = unit_id(site, "xa-a2")
    link = f"/units/{uid}?record={site.filled.deadlines[XA_A2]}&amp;message={open_id}#ghi-nhan"
    assert link in client.get("/quarantine").text


def test_a_reply_without_a_deadline_links_to_its_senders_unit(site: Site) -> None:
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        fp = session.scalar(sa.select(Person.id).where(Person.key == "fp-xa-a1"))
        m2 = session.scalar(sa.select(InboundMessage.id).where(InboundMessage.person_id == fp))
    page = site.client("coordinator").get("/quarantine").text
    assert f"/units/{unit_id(site, 'xa-a1')}?message={m2}#tin-cach-ly" in page
    unit_page = site.client("coordinator").get(f"/units/{unit_id(site, 'xa-a1')}?message={m2}")
    assert "Đang xử lý tin cách ly từ" in unit_page.text
    assert f"&amp;message={m2}#ghi-nhan" in unit_page.text  # each open deadline carries it


def test_a_scoped_coordinator_sees_and_resolves_only_his_units(any_site: Site) -> None:
    site = any_site
    theirs = quarantine(site, "<a2@x>")  # xa-a2: district A
    mine = quarantine(site, "<b1@x>", deadline=("bc-xa", "2025-H1", "xa-b1"))
    shown = rows_of(site.client("district_coordinator").get("/quarantine").text)
    assert shown == [str(mine)]
    assert dismiss(site, "district_coordinator", theirs, "thư rác").status_code == 404
    assert stored(site, theirs).resolved_at is None and audit(site, theirs) == []
    assert dismiss(site, "district_coordinator", mine, "thư rác").status_code == 303
    assert stored(site, mine).resolved_by == "web:dieuphoi.b@thu.example"


def test_dismissing_needs_a_reason_and_is_audited_once(any_site: Site) -> None:
    site = any_site
    message = quarantine(site, "<spam@x>")
    refused = dismiss(site, "coordinator", message, "   ")
    assert refused.status_code == 400 and "Hãy ghi lý do bỏ qua tin này." in refused.text
    assert stored(site, message).resolved_at is None and audit(site, message) == []
    done = dismiss(site, "coordinator", message, "Thư quảng cáo, không phải báo cáo")
    assert done.status_code == 303 and done.headers["location"] == "/quarantine?msg=dismissed"
    row = stored(site, message)
    assert row.resolution == "Bỏ qua: Thư quảng cáo, không phải báo cáo"
    assert row.resolved_by == "web:dieuphoi@thu.example" and row.resolved_at is not None
    again = dismiss(site, "coordinator", message, "lần hai")
    assert again.headers["location"] == "/quarantine?msg=already"
    [entry] = audit(site, message)
    assert (entry.action, entry.actor) == ("quarantine_dismissed", "web:dieuphoi@thu.example")
    assert entry.details["reason"] == "Thư quảng cáo, không phải báo cáo"
    assert stored(site, message).resolution == row.resolution  # the second changed nothing
    assert dismiss(site, "supervisor", message, "x").status_code == 403


def test_recording_from_the_quarantine_attaches_the_original_and_resolves_it(
    any_site: Site,
) -> None:
    site = at_now(any_site)
    message = quarantine(site, "<paper@x>")
    client = site.client("coordinator")
    uid = unit_id(site, "xa-a2")
    wid = site.filled.deadlines[XA_A2]
    form = client.get(f"/units/{uid}", params={"record": wid, "message": message}).text
    assert f'name="message" value="{message}"' in form
    assert "Ghi nhận theo tin cách ly từ <strong>ke.la@gmail.example</strong>" in form
    data = {
        "workflow_id": wid,
        "message": str(message),
        "received_on": "08/06/2025",
        "document_number": "",
        "csrf_token": csrf(client, f"/units/{uid}"),
    }
    for _ in range(2):  # a double click
        response = client.post(f"/units/{uid}/submissions", data=data, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/units/{uid}?msg=recorded_message"
    first, second = (c[2] for c in site.gateway.calls)
    assert first == second and isinstance(first, gw.Submission)
    [original] = first.evidence
    assert original.file_name == "thư gốc.eml" and original.content_type == "message/rfc822"
    assert original.sha256 == hashlib.sha256(RAW).hexdigest() and original.size == len(RAW)
    assert original.storage_path == stored(site, message).original_path
    row = stored(site, message)
    assert row.resolution == (
        "Đã ghi nhận nộp cho UBND xã A2 — Báo cáo 6 tháng cấp xã, 6 tháng đầu năm 2025"
    )
    [entry] = audit(site, message)
    assert entry.action == "quarantine_recorded" and entry.details["workflow_id"] == wid
    assert entry.details["request"] == first.request_id
    resolved = client.get("/quarantine?show=resolved").text
    assert rows_of(resolved) == [str(message)] and "Đã ghi nhận nộp cho UBND xã A2" in resolved


def test_the_original_downloads_only_from_under_the_data_dir(
    any_site: Site, tmp_path: Path
) -> None:
    site = any_site
    good = quarantine(site, "<good@x>")
    client = site.client("coordinator")
    response = client.get(f"/quarantine/{good}/original")
    assert response.status_code == 200 and response.content == RAW
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    outside = tmp_path / "outside.eml"
    outside.write_bytes(b"secret")
    for path in ("../outside.eml", str(outside), "/etc/passwd", "inbound/none", None):
        bad = quarantine(site, f"<bad-{path}@x>", original=path)
        assert client.get(f"/quarantine/{bad}/original").status_code == 404, path
    assert (
        site.client("district_coordinator").get(f"/quarantine/{good}/original").status_code == 404
    )
    assert site.client("supervisor").get(f"/quarantine/{good}/original").status_code == 403
