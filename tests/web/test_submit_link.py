"""The submit page behind a signed link, on a recording gateway: what reaches the workflow,
what is stored, and what the focal point reads."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from store import db
from store.base import utcnow
from store.enums import InboundChannel, InboundOutcome
from store.models import InboundMessage, Person, Unit, UnitContact
from store.submit_links import make_token, read_token, submit_url
from tests.web.conftest import Site
from tests.web.factory import PDF
from tests.web.support import csrf


def _post(site: Site, token: str, data: dict[str, str], files: dict | None = None):  # type: ignore[no-untyped-def, type-arg]
    client = site.client()
    form = csrf(client, f"/nop/{token}")
    return client.post(f"/nop/{token}", data={**data, "csrf_token": form}, files=files)


def _inbound(site: Site) -> list[InboundMessage]:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine)() as session:
            return list(
                session.scalars(
                    sa.select(InboundMessage).where(InboundMessage.channel == InboundChannel.WEB)
                )
            )
    finally:
        engine.dispose()


def test_a_file_reaches_the_workflow_stored_by_its_hash(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    answer = _post(
        site,
        token,
        {"document_number": "15/BC-UBND", "note": "Bản có chữ ký"},
        {"file": ("Báo cáo 6 tháng.pdf", PDF, "application/pdf")},
    )
    assert answer.status_code == 200 and "Đã ghi nhận báo cáo" in answer.text
    [(name, workflow_id, submission)] = site.gateway.calls
    assert (name, workflow_id) == ("submit", wid)
    assert submission.by == "fp-xa-a2" and submission.channel == "web"
    assert submission.document_number == "15/BC-UBND" and submission.note == "Bản có chữ ký"
    [evidence] = submission.evidence
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (
        evidence.file_name == "Báo cáo 6 tháng.pdf" and evidence.content_type == "application/pdf"
    )
    assert (site.settings.data_dir / evidence.storage_path).read_bytes() == PDF
    [kept] = _inbound(site)
    assert kept.outcome is InboundOutcome.APPLIED and kept.sender == "Đầu mối xa-a2"
    assert kept.raw_ref == submission.request_id


def test_the_same_form_sent_twice_is_one_request(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    first = _post(site, token, {"document_number": "15/BC-UBND"})
    second = _post(site, token, {"document_number": "15/BC-UBND"})
    assert first.status_code == second.status_code == 200
    ids = {c[2].request_id for c in site.gateway.calls}
    assert len(site.gateway.calls) == 2 and len(ids) == 1
    assert "không ghi nhận lần hai" in second.text
    assert len(_inbound(site)) == 1


def test_nothing_to_submit_is_asked_again(site: Site) -> None:
    token = make_token(
        site.settings.secret,
        site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")],
        person="fp-xa-a2",
    )
    answer = _post(site, token, {"note": "quên tệp"})
    assert answer.status_code == 400 and "Hãy chọn tệp báo cáo hoặc ghi số văn bản." in answer.text
    assert "quên tệp" in answer.text  # what was typed is kept
    assert site.gateway.calls == []


def test_the_workflows_refusal_is_shown_and_kept(site: Site) -> None:
    site.gateway.refuse = "báo cáo đã được ghi nhận; muốn nộp lại thì mở lại trước"
    token = make_token(
        site.settings.secret,
        site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")],
        person="fp-xa-a2",
    )
    answer = _post(site, token, {"document_number": "9/BC"})
    assert answer.status_code == 409 and "muốn nộp lại thì mở lại trước" in answer.text
    [kept] = _inbound(site)
    assert kept.outcome is InboundOutcome.REFUSED and "mở lại" in (kept.reason or "")


def test_a_settled_deadline_shows_no_form(site: Site) -> None:
    token = make_token(
        site.settings.secret,
        site.filled.deadlines[("bc-xa", "2025-H1", "xa-a1")],
        person="fp-xa-a1",
    )
    page = site.client().get(f"/nop/{token}").text
    assert "Báo cáo đã được ghi nhận" in page and '<form method="post" enctype' not in page


def test_links_for_emails_round_trip() -> None:
    url = submit_url("https://hanchot.example/", "s" * 32, "deadline/c/o/2025-H1/u", person="p")
    assert url.startswith("https://hanchot.example/nop/")
    claim = read_token("s" * 32, url.rsplit("/", 1)[1])
    assert (claim.workflow_id, claim.person) == ("deadline/c/o/2025-H1/u", "p")


# --- the current calendar decides (issue 12, item 6) ------------------------------------------


def _change(site: Site, statement: sa.Executable) -> None:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            session.execute(statement)
    finally:
        engine.dispose()


def _refused(site: Site, token: str) -> None:
    page = site.client().get(f"/nop/{token}")
    assert page.status_code == 403 and "không còn là cán bộ đầu mối" in page.text
    assert "UBND xã A2" not in page.text  # nothing of the deadline is shown
    client = site.client()
    form = csrf(client, "/login")
    answer = client.post(f"/nop/{token}", data={"csrf_token": form, "document_number": "1/BC"})
    assert answer.status_code == 403 and site.gateway.calls == []
    kept = _inbound(site)[-1]  # the coordinator sees the attempt, like a refused reply
    assert kept.outcome is InboundOutcome.REFUSED and "cán bộ đầu mối" in (kept.reason or "")


def _token(site: Site, person: str | None = "fp-xa-a2") -> str:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    return make_token(site.settings.secret, wid, person=person)


def test_a_link_of_a_person_removed_from_the_calendar_submits_nothing(site: Site) -> None:
    token = _token(site)
    assert site.client().get(f"/nop/{token}").status_code == 200
    _change(site, sa.update(Person).where(Person.key == "fp-xa-a2").values(removed_at=utcnow()))
    _refused(site, token)


def test_a_link_of_a_person_no_longer_the_units_focal_point_submits_nothing(site: Site) -> None:
    token = _token(site)
    person = sa.select(Person.id).where(Person.key == "fp-xa-a2").scalar_subquery()
    _change(site, sa.delete(UnitContact).where(UnitContact.person_id == person))
    _refused(site, token)


def test_a_link_to_a_unit_removed_from_the_calendar_submits_nothing(site: Site) -> None:
    token = _token(site)
    _change(site, sa.update(Unit).where(Unit.key == "xa-a2").values(removed_at=utcnow()))
    _refused(site, token)


def test_a_removed_persons_link_asks_no_extension_and_changes_no_file(site: Site) -> None:
    """Every route behind the link checks the current calendar, not only the submit form."""
    token = _token(site)
    _change(site, sa.update(Person).where(Person.key == "fp-xa-a2").values(removed_at=utcnow()))
    client = site.client()
    form = csrf(client, "/login")
    asked = client.post(
        f"/nop/{token}/gia-han", data={"csrf_token": form, "days": "5", "reason": "Chờ số liệu"}
    )
    files = client.post(
        f"/nop/{token}/tep",
        data={"csrf_token": form, "mode": "add"},
        files={"files": ("bao-cao.pdf", b"%PDF-1.4 bao cao", "application/pdf")},
    )
    assert (asked.status_code, files.status_code) == (403, 403)
    assert "không còn là cán bộ đầu mối" in asked.text and site.gateway.calls == []


def test_a_link_naming_nobody_or_another_units_person_submits_nothing(site: Site) -> None:
    _refused(site, _token(site, None))
    _refused(site, _token(site, "fp-xa-a1"))  # a focal point, of another unit


def _ask(site: Site, token: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    client = site.client()
    page = client.get(f"/nop/{token}")
    assert f'action="/nop/{token}/gia-han"' in page.text  # offered beside "Nộp báo cáo"
    form = csrf(client, f"/nop/{token}")
    return client.post(f"/nop/{token}/gia-han", data={**data, "csrf_token": form})


def test_an_extension_is_asked_from_the_link(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    answer = _ask(site, token, {"days": "7", "reason": "Chờ số liệu từ trạm y tế"})
    assert answer.status_code == 200, answer.text
    [(name, workflow_id, asked)] = site.gateway.calls
    assert (name, workflow_id) == ("request_extension", wid)
    assert (asked.by, asked.days, asked.reason) == ("fp-xa-a2", 7, "Chờ số liệu từ trạm y tế")
    # factory.legal_end: hết ngày 09/06/2025; 7 days more is Monday 16/06/2025
    assert "Đã gửi đề nghị gia hạn 7 ngày" in answer.text
    assert "hạn mới là hết ngày Thứ Hai, 16/06/2025" in answer.text
    [kept] = _inbound(site)
    assert kept.outcome is InboundOutcome.APPLIED and kept.raw_ref == asked.request_id


def test_an_extension_needs_days_in_bounds_and_a_reason(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    for days in ("0", "91", "bảy", "-3", ""):
        answer = _ask(site, token, {"days": days, "reason": "Chờ số liệu"})
        assert answer.status_code == 400 and "từ 1 đến 90" in answer.text
    answer = _ask(site, token, {"days": "5", "reason": "   "})
    assert answer.status_code == 400 and "Hãy ghi lý do" in answer.text
    assert site.gateway.calls == []


def test_the_workflows_refusal_of_an_extension_is_shown(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    site.gateway.refuse = "đã có một đề nghị gia hạn đang chờ quyết định"
    answer = _ask(site, token, {"days": "5", "reason": "Chờ số liệu"})
    assert answer.status_code == 409
    assert "đã có một đề nghị gia hạn đang chờ quyết định" in answer.text
    [kept] = _inbound(site)
    assert kept.outcome is InboundOutcome.REFUSED
