"""The editor's forms in detail (TestClient, on SQLite and PostgreSQL): obligations as
written, days off, supervisors, the unit tree and its search, drafts that follow the
newest revision or cannot be rebased, one draft per calendar, hanchot check's warnings."""

from __future__ import annotations

import re

from activities.publishing import publish_document
from store import db
from tests.web.conftest import Site
from tests.web.editor.conftest import CAL, document, draft_document, form
from tests.web.support import post


def test_an_obligation_is_edited_as_written_and_keeps_what_the_form_does_not_show(
    editor_site: Site,
) -> None:
    client = editor_site.client("coordinator")
    values = form(client, f"/editor/{CAL}/obligations/bc-xa")
    assert values["due"] == "H1: before 10/06" and values["period"] == "semiannual"
    bad = {**values, "due": "H1: befor 10/06", "escalation": "1d focal_point, 0d head"}
    refused = post(client, f"/editor/{CAL}/obligations/bc-xa", bad, f"/editor/{CAL}")
    assert refused.status_code == 422
    due = refused.text[refused.text.index('id="f-due"') : refused.text.index('id="f-window"')]
    assert "không phải hạn nộp" in due
    escalation = refused.text[refused.text.index('id="f-escalation"') :]
    assert "bước đôn đốc phải sau hạn nộp" in escalation.split('id="f-data_window"')[0]
    good = {
        **values,
        "due": "H1: before 15/06; H2: by 15/12",
        "reminders": "-10d, -1d",
        "escalation": "2d focal_point, 5d supervisor",
        "data_window": "nd09",
        "reading": "inclusive",
        "kinds": "commune, district",
        "exclude": "xa-b2",
        "receiver": "so-noi-vu; tinh từ 01/07/2026",
    }
    saved = post(client, f"/editor/{CAL}/obligations/bc-xa", good, f"/editor/{CAL}")
    assert saved.status_code == 303, saved.text
    [entry] = draft_document(editor_site)["obligations"]
    assert entry["due"] == {"H1": "before 15/06", "H2": "by 15/12"}
    assert entry["reminders"] == ["-10d", "-1d"]
    assert entry["escalation"] == [
        {"after": "2d", "to": "focal_point"},
        {"after": "5d", "to": "supervisor"},
    ]
    assert entry["submitters"] == {"kinds": ["commune", "district"], "exclude": ["xa-b2"]}
    assert entry["receiver"] == [{"unit": "so-noi-vu"}, {"unit": "tinh", "from": "01/07/2026"}]
    assert entry["reading"] == "inclusive" and entry["data_window"] == "nd09"
    silent = {**good, "reminders": "không", "escalation": ""}
    saved = post(client, f"/editor/{CAL}/obligations/bc-xa", silent, f"/editor/{CAL}")
    assert saved.status_code == 303, saved.text
    [entry] = draft_document(editor_site)["obligations"]
    assert entry["reminders"] == [] and "escalation" not in entry  # none; the defaults
    assert form(client, f"/editor/{CAL}/obligations/bc-xa")["reminders"] == "không"
    saved = post(client, f"/editor/{CAL}/obligations/bc-xa", good, f"/editor/{CAL}")
    again = form(client, f"/editor/{CAL}/obligations/bc-xa")  # shown back as typed
    assert again["due"] == good["due"] and again["receiver"] == good["receiver"]
    assert again["escalation"] == good["escalation"]


def test_days_off_errors_point_at_their_field_and_supervisors_come_from_the_person(
    editor_site: Site,
) -> None:
    client = editor_site.client("coordinator")
    days = {"days_off": "02/09/2026 Quốc khánh\n31/02/2026", "working_saturdays": "27/04/2026"}
    refused = post(client, f"/editor/{CAL}/days", days, f"/editor/{CAL}/days")
    assert refused.status_code == 422
    off = refused.text[refused.text.index('id="f-days_off"') :]
    assert "tháng 2/2026 có 28 ngày" in off.split('id="f-working_saturdays"')[0]
    assert "không phải Thứ Bảy hay Chủ nhật" in off.split('id="f-working_saturdays"')[1]
    coord = form(client, f"/editor/{CAL}/people/coord")
    coord["supervises"] = "huyen-a, khong-co"
    refused = post(client, f"/editor/{CAL}/people/coord", coord, f"/editor/{CAL}")
    assert refused.status_code == 422
    supervises = refused.text[refused.text.index('id="f-supervises"') :]
    assert "khong-co" in supervises
    coord["supervises"] = "huyen-a"
    assert post(client, f"/editor/{CAL}/people/coord", coord, f"/editor/{CAL}").status_code == 303
    assert draft_document(editor_site)["supervisors"] == [{"person": "coord", "units": ["huyen-a"]}]
    gone = form(client, f"/editor/{CAL}/people/fp-xa-a1")
    refused = post(
        client, f"/editor/{CAL}/people/fp-xa-a1", {**gone, "remove": "1"}, f"/editor/{CAL}"
    )
    assert refused.status_code == 422  # still xa-a1's focal point: shown beside that link
    focal_of = refused.text[refused.text.index('id="f-focal_of"') :]
    assert "người &#39;fp-xa-a1&#39; không có trong people" in focal_of.split('id="f-head_of"')[0]


def test_the_unit_tree_is_shown_in_order_and_can_be_searched(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    page = client.get(f"/editor/{CAL}").text
    order = re.findall(r'class="d(\d)">[^<]*<span class="sub">\(([\w-]+)\)', page)
    assert order[:5] == [
        ("0", "tinh"),
        ("1", "so-noi-vu"),
        ("1", "huyen-a"),
        ("2", "xa-a1"),
        ("2", "xa-a2"),
    ]
    found = client.get(f"/editor/{CAL}", params={"q": "Xã B"}).text
    units = re.findall(r'<span class="sub">\(([\w-]+)\)</span></td>\s*<td data-label="Loại"', found)
    assert units == ["xa-b1", "xa-b2"]
    assert "(fp-xa-a1)" not in found and "(coord)" not in found


def test_an_untouched_draft_follows_the_newest_revision(editor_site: Site) -> None:
    idle, busy = editor_site.client("coordinator"), editor_site.client("district_coordinator")
    assert "dựa trên phiên bản 1" in idle.get(f"/editor/{CAL}").text  # opened, nothing typed
    unit = form(busy, f"/editor/{CAL}/units/xa-b1")
    unit["name"] = "UBND xã B Một"
    assert post(busy, f"/editor/{CAL}/units/xa-b1", unit, f"/editor/{CAL}").status_code == 303
    assert post(busy, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    page = idle.get(f"/editor/{CAL}").text
    assert "dựa trên phiên bản 2" in page and "UBND xã B Một" in page
    assert "Chuyển bản nháp lên phiên bản mới nhất" not in page


def test_a_rebase_that_cannot_hold_says_why_and_keeps_the_draft(editor_site: Site) -> None:
    mine, theirs = editor_site.client("coordinator"), editor_site.client("district_coordinator")
    unit = form(mine, f"/editor/{CAL}/units/xa-a1")
    unit["focal_point"] = "fp-xa-b2"  # someone the other coordinator is about to remove
    assert post(mine, f"/editor/{CAL}/units/xa-a1", unit, f"/editor/{CAL}").status_code == 303
    b2 = form(theirs, f"/editor/{CAL}/units/xa-b2")
    b2["focal_point"] = "fp-xa-b1"
    assert post(theirs, f"/editor/{CAL}/units/xa-b2", b2, f"/editor/{CAL}").status_code == 303
    gone = form(theirs, f"/editor/{CAL}/people/fp-xa-b2")
    removed = post(theirs, f"/editor/{CAL}/people/fp-xa-b2", {**gone, "remove": "1"}, "/")
    assert removed.status_code == 303
    assert post(theirs, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    refused = post(mine, f"/editor/{CAL}/rebase", {}, f"/editor/{CAL}")
    assert refused.status_code == 409
    assert "Không chuyển được bản nháp" in refused.text
    assert "đơn vị xa-a1 › đầu mối: người &#39;fp-xa-b2&#39; không có trong people" in refused.text
    assert draft_document(editor_site)["units"][3]["focal_point"] == "fp-xa-b2"  # kept


def test_each_calendar_has_its_own_draft(editor_site: Site) -> None:
    other = document()
    other["calendar"] = {"id": "lich-khac", "name": "Lịch khác"}
    engine = db.create_engine(editor_site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, other, source="yaml", author="cli:test")
    engine.dispose()
    client = editor_site.client("coordinator")
    page = client.get(f"/editor/{CAL}").text
    assert 'href="/editor/lich-khac">Lịch khác</a>' in page
    days = {"days_off": "02/09/2026", "working_saturdays": ""}
    assert post(client, "/editor/lich-khac/days", days, "/editor/lich-khac").status_code == 303
    assert "chưa có thay đổi" in client.get(f"/editor/{CAL}").text
    assert "ngày nghỉ" in client.get("/editor/lich-khac").text
    scoped = editor_site.client("district_coordinator")  # his scope lies in tinh-thu only
    assert scoped.get("/editor/lich-khac").status_code == 404


def test_the_draft_shows_the_warnings_hanchot_check_gives(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    unit = form(client, f"/editor/{CAL}/units/so-noi-vu")
    unit["closed"] = "01/01/2026"  # still the obligation's receiver
    saved = post(client, f"/editor/{CAL}/units/so-noi-vu", unit, f"/editor/{CAL}")
    assert saved.status_code == 303  # a warning never stops a calendar
    page = client.get(f"/editor/{CAL}").text
    warnings = page[page.index('id="canh-bao"') :]
    assert (
        "nghĩa vụ bc-xa › nơi nhận: nghĩa vụ vẫn gửi về &#39;so-noi-vu&#39;, đơn vị đã ngừng "
        "hoạt động từ 01/01/2026" in warnings
    )
