"""The dashboard's pages over a filled store: what each shows, within each user's scope."""

from __future__ import annotations

import re

import sqlalchemy as sa

from store import db
from store.models import Cycle, WebRole
from tests.web.conftest import Site
from tests.web.factory import XSS, Builder


def _rows(html: str, table_id: str) -> list[str]:
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)


def test_overview_counts_as_dhis2(site: Site) -> None:
    page = site.client("coordinator").get("/?year=2025")
    assert page.status_code == 200
    assert '<meta charset="utf-8">' in page.text
    rows = _rows(page.text, "cycles")
    commune = next(r for r in rows if "Báo cáo 6 tháng cấp xã" in r)
    cells = re.findall(r'<td class="num">([^<]*)</td>', commune)
    # 6 communes, 1 excused: expected 5, submitted 3 (2 on time, 1 late), 2 not submitted
    assert cells == ["5", "3", "2", "2", "1", "60,0%", "40,0%"]
    assert "hết ngày Thứ Hai, 09/06/2025" in commune


def test_supervisor_sees_only_his_district(site: Site) -> None:
    client = site.client("supervisor")
    overview = client.get("/?year=2025").text
    commune = next(r for r in _rows(overview, "cycles") if "cấp xã" in r)
    assert re.findall(r'<td class="num">([^<]*)</td>', commune)[:4] == ["3", "2", "1", "1"]
    matrix = client.get("/matrix?year=2025").text
    assert "UBND xã A1" in matrix
    assert "UBND xã B1" not in matrix and "&lt;script&gt;" not in matrix
    other = site.client("coordinator").get("/matrix").text
    b1 = re.search(r'href="/units/(\d+)">UBND xã B1<', other)
    assert b1 is not None
    assert client.get(f"/units/{b1.group(1)}").status_code == 404


def test_matrix_rolls_parents_up_and_flags_the_cascade(site: Site) -> None:
    html = site.client("coordinator").get("/matrix?year=2025").text
    rows = {
        re.search(r'href="/units/\d+">([^<]+)<', r).group(1): r
        for r in _rows(html, "matrix-table")
        if "/units/" in r
    }
    huyen_a, huyen_b = rows["UBND huyện A"], rows["UBND huyện B"]
    # huyện A still owes its report and xã A2 is overdue: at risk, in words.
    assert "Có nguy cơ trễ" in huyen_a and "Cấp dưới: 2/3 đã nộp" in huyen_a
    # huyện B has submitted its own: its overdue commune no longer puts it at risk.
    assert "Có nguy cơ trễ" not in huyen_b and "1 trễ hạn" in huyen_b
    assert "Quá hạn" in rows["UBND xã A2"] and "st-overdue" in rows["UBND xã A2"]


def test_matrix_filters_by_kind_parent_and_status(site: Site) -> None:
    client = site.client("coordinator")
    full = client.get("/matrix?year=2025").text
    parent_a = re.search(r'<option value="(\d+)" >UBND huyện A</option>', full)
    assert parent_a is not None

    def names(query: str) -> set[str]:
        html = client.get(f"/matrix?year=2025&{query}").text
        return set(re.findall(r'href="/units/\d+">([^<]+)<', html))

    assert names("kind=district") == {"UBND huyện A", "UBND huyện B"}
    assert names(f"parent={parent_a.group(1)}") == {
        "UBND huyện A",
        "UBND xã A1",
        "UBND xã A2",
        "UBND xã A3",
    }
    assert names("status=overdue") == {"UBND xã A2", "&lt;script&gt;alert(1)&lt;/script&gt;"}
    assert names("status=at_risk") == {"UBND huyện A"}
    assert names("kind=commune&status=submitted_late") == {"UBND xã A3"}


def test_htmx_filter_returns_only_the_table(site: Site) -> None:
    page = site.client("coordinator").get("/matrix?kind=district", headers={"HX-Request": "true"})
    assert page.text.lstrip().startswith('<div id="matrix" ')
    assert "<html" not in page.text


def test_unit_page_has_the_whole_timeline_with_evidence(site: Site) -> None:
    client = site.client("coordinator")
    matrix = client.get("/matrix?year=2024").text
    unit = re.search(r'href="/units/(\d+)">UBND huyện B<', matrix).group(1)
    page = client.get(f"/units/{unit}").text
    for words in ("Mở hạn nộp", "Mở lại", "Nộp báo cáo", "số văn bản: 7/BC-UBND", "sai mẫu"):
        assert words in page
    link = re.search(r'href="/evidence/(\d+)" download>bao-cao-6-thang.pdf<', page)
    assert link is not None
    download = client.get(f"/evidence/{link.group(1)}")
    assert download.status_code == 200
    assert download.content == site.filled.evidence_file.read_bytes()
    assert download.headers["content-type"] == "application/octet-stream"
    assert "attachment" in download.headers["content-disposition"]


def test_timeline_shows_reminders_replies_and_extension_requests(site: Site) -> None:
    client = site.client("coordinator")
    matrix = client.get("/matrix?year=2025").text
    unit = re.search(r'href="/units/(\d+)">&lt;script&gt;', matrix).group(1)
    page = client.get(f"/units/{unit}").text
    assert "Xin gia hạn" in page and "7 ngày — lý do: Chờ số liệu từ trạm y tế" in page
    assert "Thư nhắc việc" in page and "xa-xss@thu.example" in page
    assert "Nhắc việc" in page and "gửi cán bộ đầu mối" in page
    assert "Đầu mối xa-xss" in page  # actors shown by name, not config id


def test_extension_queue_and_decision(site: Site) -> None:
    client = site.client("coordinator")
    page = client.get("/extensions").text
    assert "Chờ số liệu từ trạm y tế" in page and "7 ngày" in page
    # Who asked, and the date a yes would give, before anyone decides
    assert "Đầu mối xa-xss" in page or "fp-xa-xss" in page
    assert "<td>hết ngày Thứ Hai, 16/06/2025</td>" in page
    request_id = re.search(r'action="/extensions/(\d+)/decide"', page).group(1)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    done = client.post(
        f"/extensions/{request_id}/decide",
        data={"decision": "approve", "new_last_day": "20/06/2025", "note": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == "/extensions?msg=approved"
    name, workflow_id, decision = site.gateway.calls[-1]
    assert (name, workflow_id) == (
        "decide_extension",
        site.filled.deadlines[("bc-xa", "2025-H1", "xa-xss")],
    )
    assert decision.approve and str(decision.new_last_day) == "2025-06-20"
    assert decision.by == "web:dieuphoi@thu.example"


def test_a_refused_decision_is_shown_not_hidden(site: Site) -> None:
    client = site.client("coordinator")
    page = client.get("/extensions").text
    request_id = re.search(r'action="/extensions/(\d+)/decide"', page).group(1)
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page).group(1)
    site.gateway.refuse = "kỳ báo cáo đã đóng đối với hạn nộp này"
    answer = client.post(
        f"/extensions/{request_id}/decide", data={"decision": "refuse", "csrf_token": token}
    )
    assert answer.status_code == 409
    assert "Không thực hiện được: kỳ báo cáo đã đóng đối với hạn nộp này" in answer.text
    bad = client.post(
        f"/extensions/{request_id}/decide",
        data={"decision": "approve", "new_last_day": "31/02/2025", "csrf_token": token},
    )
    assert "dd/mm/yyyy" in bad.text


def test_outbox_and_quarantine_are_scoped(site: Site) -> None:
    everything = site.client("coordinator")
    assert everything.get("/outbox").text.count("nhắc trước hạn 1 ngày") == 2  # the step in words
    quarantine = everything.get("/quarantine").text
    assert "la@khac.example" in quarantine and "không có mã hạn nộp trong tiêu đề" in quarantine
    district_b = site.client("district_coordinator")
    outbox_b = district_b.get("/outbox").text
    assert outbox_b.count("nhắc trước hạn 1 ngày") == 1 and "xa-xss@thu.example" in outbox_b
    quarantine_b = district_b.get("/quarantine").text
    assert "la@khac.example" not in quarantine_b and "xa-a1@thu.example" not in quarantine_b


def test_plan_and_chart(site: Site) -> None:
    client = site.client("coordinator")
    plan = client.get("/plan?year=2026").text
    assert "Báo cáo 6 tháng cấp xã — 6 tháng đầu năm 2026" in plan
    assert "trước ngày 10/06 (10/06/2026)" in plan and "Thứ Ba, 09/06/2026" in plan
    assert "6 đơn vị phải nộp" in plan
    scoped = site.client("supervisor").get("/plan?year=2026").text
    assert "3 đơn vị phải nộp" in scoped and "UBND xã B1" not in scoped
    chart = client.get("/chart").text
    assert chart.count("<svg") == 3
    assert "6 tháng đầu năm 2024: tỷ lệ báo cáo 83,3%" in chart
    assert "6 tháng đầu năm 2025: tỷ lệ đúng hạn 40,0%" in chart


def test_cycle_page_breaks_rates_down_by_kind_and_parent(site: Site) -> None:
    client = site.client("coordinator")
    overview = client.get("/?year=2025").text
    cycle = re.search(r'href="/cycles/(\d+)">Báo cáo 6 tháng cấp xã<', overview).group(1)
    page = client.get(f"/cycles/{cycle}").text
    assert "Theo loại đơn vị" in page and "<td>xã</td>" in page and "commune" not in page
    assert "UBND huyện A" in page and "UBND huyện B" in page
    assert XSS not in page


def test_a_campaign_without_a_result_report_shows_no_rate(site: Site) -> None:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        build = Builder(session)
        wid = build.cycle("bc-nam", "2027", expects_submission=False)
        build.deadline("bc-nam", "2027", "xa-a1", "open")
        cycle_id = session.scalar(sa.select(Cycle.id).where(Cycle.workflow_id == wid))
    engine.dispose()
    client = site.client("coordinator")
    page = client.get(f"/cycles/{cycle_id}").text
    # One unit was told of the campaign; nothing was owed: no rate, no 0 %.
    assert "0,0%" not in page and "Theo loại đơn vị" not in page
    assert "Đợt này không có báo cáo phải nộp" in page


def test_the_header_does_not_say_the_role_twice(site: Site) -> None:
    """The first account `hanchot dev` makes is named after its role: the header says
    "Cán bộ điều phối · Toàn bộ", not the role twice; other accounts show name and role."""
    from tests.web.conftest import PASSWORD
    from tests.web.support import login
    from web.accounts import FIRST_NAME, create_account

    engine = db.create_engine(site.settings.database_url)
    create_account(
        engine,
        "dau-tien@thu.example",
        WebRole.COORDINATOR,
        None,
        name=FIRST_NAME,
        password=PASSWORD,
    )
    engine.dispose()
    first = site.client()
    login(first, "dau-tien@thu.example", PASSWORD)
    header = first.get("/").text.split("<header", 1)[1].split("</header>", 1)[0]
    assert f"{FIRST_NAME} · Toàn bộ" in header and header.count(FIRST_NAME) == 1
    named = site.client("supervisor").get("/").text.split("<header", 1)[1].split("</header>", 1)[0]
    assert "Lãnh đạo phụ trách" in named
