"""A coordinator records a submission on a unit's behalf (report on paper, by a personal
address...): the form on the unit page, what reaches the gateway, and every refusal.
On SQLite and PostgreSQL; the gateway records (tests/web/test_record_e2e.py runs it
through a real workflow)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from store.models import Unit
from tests.web.conftest import Site
from tests.web.factory import PDF
from tests.web.support import csrf
from web import gateway as gw

NOW = datetime(2025, 6, 20, 3, 0, tzinfo=UTC)
"""10:00 on 20/06/2025 in Hà Nội: the legal end of bc-xa 2025-H1 (09/06) has passed."""
XA_A2 = ("bc-xa", "2025-H1", "xa-a2")


def unit_id(site: Site, key: str) -> int:
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        return int(session.scalar(sa.select(Unit.id).where(Unit.key == key)))


def at_now(site: Site) -> Site:
    site.app.state.hanchot.clock = lambda: NOW  # type: ignore[attr-defined]
    return site


def send(
    site: Site,
    who: str,
    fields: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    unit: str = "xa-a2",
    token: bool = True,
):  # type: ignore[no-untyped-def]
    client = site.client(who)
    uid = unit_id(site, unit)
    data = {"workflow_id": site.filled.deadlines[XA_A2], **fields}
    if token:
        data["csrf_token"] = csrf(client, f"/units/{uid}")
    return client.post(
        f"/units/{uid}/submissions", data=data, files=files or [], follow_redirects=False
    )


def test_the_form_is_on_the_unit_page_for_open_deadlines_only(any_site: Site) -> None:
    site = at_now(any_site)
    client = site.client("coordinator")
    uid = unit_id(site, "xa-a2")
    page = client.get(f"/units/{uid}").text
    wid = site.filled.deadlines[XA_A2]
    assert f"/units/{uid}?record={wid}#ghi-nhan" in page  # overdue: can still take it
    closed = site.filled.deadlines[("bc-xa", "2024-H1", "xa-a2")]  # missing
    assert f"record={closed}" not in page
    form = client.get(f"/units/{uid}", params={"record": wid}).text
    assert f'action="/units/{uid}/submissions"' in form
    assert 'name="received_on" value="20/06/2025"' in form  # today in Asia/Ho_Chi_Minh
    assert "hết ngày Thứ Hai, 09/06/2025" in form
    settled = client.get(f"/units/{uid}", params={"record": closed}).text
    assert "Hạn nộp này không còn nhận báo cáo" in settled and 'id="ghi-nhan"' not in settled
    viewer = site.client("supervisor").get(f"/units/{unit_id(site, 'xa-a2')}").text
    assert "Ghi nhận đã nộp" not in viewer


def test_recording_a_paper_copy_received_earlier(any_site: Site) -> None:
    site = at_now(any_site)
    response = send(
        site,
        "coordinator",
        {"document_number": " 45/BC-UBND ", "received_on": "05/06/2025", "note": "Bản giấy"},
        [("files", ("Báo cáo xã A2.pdf", PDF, "application/pdf"))],
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/units/{unit_id(site, 'xa-a2')}?msg=recorded"
    [(name, wid, submission)] = site.gateway.calls
    assert (name, wid) == ("submit", site.filled.deadlines[XA_A2])
    assert isinstance(submission, gw.Submission)
    assert submission.by == "web:dieuphoi@thu.example" and submission.channel == "web"
    assert submission.document_number == "45/BC-UBND" and submission.note == "Bản giấy"
    assert submission.submitted_at == datetime(2025, 6, 5, 10, 0, tzinfo=UTC)  # 17:00 local
    [evidence] = submission.evidence
    assert evidence.file_name == "Báo cáo xã A2.pdf" and evidence.size == len(PDF)
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (site.settings.data_dir / evidence.storage_path).read_bytes() == PDF
    done = site.client("coordinator").get(response.headers["location"]).text
    assert "Đã ghi nhận báo cáo của đơn vị." in done


def test_today_is_the_workflows_now(any_site: Site) -> None:
    site = at_now(any_site)
    response = send(site, "coordinator", {"document_number": "7/BC", "received_on": "20/06/2025"})
    assert response.status_code == 303
    [(_, _, submission)] = site.gateway.calls
    assert isinstance(submission, gw.Submission) and submission.submitted_at is None


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("21/06/2025", "ngày nhận 21/06/2025 còn ở tương lai; hôm nay là 20/06/2025"),
        ("2025-06-05", "không đúng dạng ngày/tháng/năm, ví dụ 20/06/2025"),
        ("hôm qua", "không đúng dạng ngày/tháng/năm"),
        ("31/02/2025", "không có ngày 31/02/2025 trong lịch"),
        ("", "không đúng dạng ngày/tháng/năm"),
    ],
)
def test_a_future_or_unreadable_day_is_refused(site: Site, given: str, said: str) -> None:
    at_now(site)
    response = send(site, "coordinator", {"document_number": "45/BC", "received_on": given})
    assert response.status_code == 400
    assert said in response.text and "Chưa ghi nhận:" in response.text
    assert 'value="45/BC"' in response.text  # the form comes back as it was filled
    assert site.gateway.calls == []


def test_something_must_show_the_submission(site: Site) -> None:
    at_now(site)
    response = send(site, "coordinator", {"received_on": "05/06/2025", "note": "gọi điện"})
    assert response.status_code == 400
    assert "hãy ghi số văn bản hoặc đính kèm tệp báo cáo" in response.text
    bad = send(
        site,
        "coordinator",
        {"received_on": "05/06/2025"},
        [("files", ("bao-cao.pdf", b"<html>not a pdf</html>", "application/pdf"))],
    )
    assert bad.status_code == 400 and "nội dung tệp không phải PDF" in bad.text
    assert site.gateway.calls == []


def test_without_the_decide_role_it_is_forbidden(any_site: Site) -> None:
    site = at_now(any_site)
    fields = {"document_number": "45/BC", "received_on": "05/06/2025"}
    assert send(site, "supervisor", fields).status_code == 403
    assert send(site, "viewer", fields, unit="xa-b1").status_code == 403
    assert site.gateway.calls == []


def test_a_unit_out_of_scope_is_not_found(any_site: Site) -> None:
    site = at_now(any_site)
    fields = {"document_number": "45/BC", "received_on": "05/06/2025"}
    assert send(site, "district_coordinator", fields).status_code == 404  # xa-a2: district A
    # a unit in scope, with another unit's deadline
    assert send(site, "district_coordinator", fields, unit="xa-b1").status_code == 404
    assert site.gateway.calls == []


def test_without_the_csrf_token_it_is_refused(any_site: Site) -> None:
    site = at_now(any_site)
    fields = {"document_number": "45/BC", "received_on": "05/06/2025"}
    response = send(site, "coordinator", fields, token=False)
    assert response.status_code == 403 and "Biểu mẫu không hợp lệ" in response.text
    assert site.gateway.calls == []


def test_a_double_click_is_one_request(any_site: Site) -> None:
    site = at_now(any_site)
    fields = {"document_number": "45/BC", "received_on": "05/06/2025"}
    files = [("files", ("bc.pdf", PDF, "application/pdf"))]
    first, second = (
        send(site, "coordinator", fields, files),
        send(site, "coordinator", fields, files),
    )
    assert first.status_code == second.status_code == 303
    ids = {c[2].request_id for c in site.gateway.calls}  # type: ignore[attr-defined]
    assert len(site.gateway.calls) == 2 and len(ids) == 1  # the workflow applies it once
    other = send(site, "coordinator", {**fields, "document_number": "46/BC"})
    assert other.status_code == 303
    assert len({c[2].request_id for c in site.gateway.calls}) == 2  # type: ignore[attr-defined]


def test_the_workflows_refusal_is_shown_and_nothing_changes(site: Site) -> None:
    at_now(site)
    site.gateway.refuse = "đơn vị đã nộp báo cáo cho hạn này"
    response = send(site, "coordinator", {"document_number": "45/BC", "received_on": "05/06/2025"})
    assert response.status_code == 409
    found = re.search(r'<p class="error" role="alert">([^<]+)</p>', response.text)
    assert found and found.group(1) == "Chưa ghi nhận: đơn vị đã nộp báo cáo cho hạn này"
    assert site.gateway.calls == []
