"""The calendar editor through the app (TestClient, on SQLite and PostgreSQL): forms
change a draft only when the whole calendar stays valid, errors come back beside their
fields in `hanchot check`'s words, a stale publish is refused with what changed and the
draft kept, rebased and published; scoped coordinators edit their subtree only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from activities.publishing import publish_document
from store import db, drafts, migrate, revisions
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.factory import Filled
from tests.web.support import RecordingGateway, post
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings

CAL = "tinh-thu"


def document() -> dict[str, Any]:
    """The factory's calendar as a document, published as revision 1."""
    people = [{"id": "coord", "name": "Nguyễn Thị Điều Phối", "email": "coord@thu.example"}]
    units: list[dict[str, Any]] = [
        {"id": "tinh", "name": "UBND tỉnh Thử", "kind": "province"},
        {
            "id": "so-noi-vu",
            "name": "Sở Nội vụ",
            "kind": "office",
            "parent": "tinh",
            "focal_point": "coord",
        },
    ]
    for district, kids in {"huyen-a": ["xa-a1", "xa-a2"], "huyen-b": ["xa-b1", "xa-b2"]}.items():
        people.append({"id": f"fp-{district}", "name": f"Đầu mối {district}"})
        units.append(
            {
                "id": district,
                "name": f"UBND {district}",
                "kind": "district",
                "parent": "tinh",
                "focal_point": f"fp-{district}",
            }
        )
        for kid in kids:
            people.append(
                {"id": f"fp-{kid}", "name": f"Đầu mối {kid}", "email": f"{kid}@thu.example"}
            )
            units.append(
                {
                    "id": kid,
                    "name": f"UBND xã {kid[3:].upper()}",
                    "kind": "commune",
                    "parent": district,
                    "focal_point": f"fp-{kid}",
                }
            )
    return {
        "calendar": {"id": CAL, "name": "Lịch thử"},
        "organisation": {"id": "ubnd-thu", "name": "UBND tỉnh Thử"},
        "people": people,
        "units": units,
        "obligations": [
            {
                "id": "bc-xa",
                "name": "Báo cáo 6 tháng cấp xã",
                "period": "semiannual",
                "due": {"H1": "before 10/06"},
                "submitters": {"kinds": ["commune"]},
                "receiver": "so-noi-vu",
            },
        ],
    }


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def editor_site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A store holding only revision 1 of the calendar (its cycles are the engine's
    business: the preview reads the real ones), with the accounts of every role."""
    data = tmp_path / "data"
    data.mkdir()
    url = (
        f"sqlite:///{data / 'hanchot.db'}"
        if request.param == "sqlite"
        else str(request.getfixturevalue("postgres_web_url"))
    )
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, document(), source="yaml", author="cli:test")
    for email, role, scope in ACCOUNTS.values():
        create_account(
            engine,
            email,
            role,
            scope.replace("tinh-thu", CAL) if scope else None,
            password=PASSWORD,
        )
    engine.dispose()
    settings = WebSettings(
        database_url=url,
        secret="editor-secret-" + "x" * 20,
        data_dir=data,
        public_url="http://127.0.0.1:8000",
    )
    app = create_app(settings, RecordingGateway())
    yield Site(settings, RecordingGateway(), Filled(), app)
    app.state.hanchot.engine.dispose()


def form(client: TestClient, path: str) -> dict[str, str]:
    """The form's current values, as a browser would send them back."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    fields = re.findall(r'<input name="(\w+)" value="([^"]*)"', page.text)
    areas = re.findall(r'<textarea name="(\w+)"[^>]*>([^<]*)</textarea>', page.text)
    selects = re.findall(
        r'<select name="(\w+)">(?:(?!</select>).)*?<option value="([^"]*)" selected',
        page.text,
        re.S,
    )
    return {k: v.replace("&#34;", '"') for k, v in [*fields, *areas, *selects]}


def latest(site: Site) -> int:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        head = revisions.latest(session, CAL)
        number = head.number if head else 0
    engine.dispose()
    return number


def test_a_new_commune_and_its_focal_point_publish_as_a_revision(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    page = client.get("/editor", follow_redirects=True)
    assert page.status_code == 200 and "Sửa lịch: Lịch thử" in page.text
    assert 'href="/editor"' in page.text  # in the navigation
    person = {
        "id": "fp-xa-moi",
        "name": "Lò Thị Mới",
        "email": "moi@thu.example",
        "phone": "0912 345 678",
        "focal_of": "",
        "head_of": "",
        "supervises": "",
    }
    saved = post(client, f"/editor/{CAL}/people/new", person, f"/editor/{CAL}/people/new")
    assert saved.status_code == 303, saved.text
    unit = {
        "id": "xa-moi",
        "name": "UBND xã Mới",
        "kind": "commune",
        "parent": "huyen-a",
        "focal_point": "fp-xa-moi",
        "opened": "01/07/2025",
    }
    saved = post(client, f"/editor/{CAL}/units/new", unit, f"/editor/{CAL}/units/new")
    assert saved.status_code == 303, saved.text
    page = client.get(f"/editor/{CAL}")
    assert "Đơn vị UBND xã Mới (xa-moi): thêm" in page.text
    assert "Người Lò Thị Mới (fp-xa-moi): thêm" in page.text
    preview = client.get(f"/editor/{CAL}/preview")
    assert preview.status_code == 200 and "Xem trước" in preview.text
    done = post(client, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}")
    assert done.status_code == 303 and done.headers["location"] == f"/history/{CAL}?published=2"
    assert latest(editor_site) == 2
    history = client.get(done.headers["location"])
    assert "Phiên bản 2" in history.text and "bảng điều khiển" in history.text
    assert "web:dieuphoi@thu.example" in history.text
    assert "Đơn vị UBND xã Mới (xa-moi): thêm" in history.text
    again = client.get(f"/editor/{CAL}")  # the draft was consumed: a fresh one on revision 2
    assert "dựa trên phiên bản 2" in again.text and "chưa có thay đổi" in again.text


def test_errors_come_back_beside_their_fields_and_nothing_is_saved(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    values = form(client, f"/editor/{CAL}/units/xa-a1")
    assert values["name"] == "UBND xã A1" and values["focal_point"] == "fp-xa-a1"
    bad = {**values, "focal_point": "khong-co-ai", "closed": "31/02/2026", "successor": "xa-a2"}
    refused = post(client, f"/editor/{CAL}/units/xa-a1", bad, f"/editor/{CAL}/units/xa-a1")
    assert refused.status_code == 422
    text = refused.text
    focal = text[text.index('id="f-focal_point"') : text.index('id="f-head"')]
    assert "người &#39;khong-co-ai&#39; không có trong people" in focal
    assert 'value="khong-co-ai"' in focal  # what was typed is kept
    closed = text[text.index('id="f-closed"') : text.index('id="f-successor"')]
    assert "không phải ngày hợp lệ: tháng 2/2026 có 28 ngày" in closed
    page = client.get(f"/editor/{CAL}")
    assert "chưa có thay đổi" in page.text  # nothing half-saved


def test_an_error_elsewhere_in_the_calendar_is_named_above_the_form(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    values = form(client, f"/editor/{CAL}/units/so-noi-vu")
    removed = post(
        client,
        f"/editor/{CAL}/units/so-noi-vu",
        {**values, "remove": "1"},
        f"/editor/{CAL}/units/so-noi-vu",
    )
    assert removed.status_code == 422
    assert "nghĩa vụ bc-xa › nơi nhận" in removed.text and "so-noi-vu" in removed.text


def test_a_person_replaces_a_focal_point_and_heads_a_unit(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    new = {
        "id": "fp-thay",
        "name": "Hà Văn Thay",
        "email": "thay@thu.example",
        "focal_of": "xa-a2",
        "head_of": "xa-a2",
        "supervises": "",
    }
    assert post(client, f"/editor/{CAL}/people/new", new, f"/editor/{CAL}").status_code == 303
    old = form(client, f"/editor/{CAL}/people/fp-xa-a2")
    assert old["focal_of"] == "xa-a2"
    old["focal_of"] = ""
    assert post(client, f"/editor/{CAL}/people/fp-xa-a2", old, f"/editor/{CAL}").status_code == 303
    unit = form(client, f"/editor/{CAL}/units/xa-a2")
    assert unit["focal_point"] == "fp-thay" and unit["head"] == "fp-thay"
    preview = client.get(f"/editor/{CAL}/preview").text
    assert "Đơn vị UBND xã A2 (xa-a2): sửa" in preview
    assert "đầu mối thứ 1: fp-xa-a2 → fp-thay" in preview


def test_the_second_publisher_is_told_what_changed_and_keeps_the_draft(editor_site: Site) -> None:
    first, second = editor_site.client("coordinator"), editor_site.client("district_coordinator")
    days = {"days_off": "02/09/2026 Nghỉ thêm Quốc khánh", "working_saturdays": ""}
    assert post(first, f"/editor/{CAL}/days", days, f"/editor/{CAL}/days").status_code == 303
    mine = form(second, f"/editor/{CAL}/units/xa-b1")
    mine["name"] = "UBND xã B Một"
    assert post(second, f"/editor/{CAL}/units/xa-b1", mine, f"/editor/{CAL}").status_code == 303
    assert post(first, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    refused = post(second, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}")
    assert refused.status_code == 409
    assert "Chưa công bố" in refused.text and "dựa trên phiên bản 1, mới nhất là 2" in refused.text
    assert "ngày nghỉ" in refused.text and "Nghỉ thêm Quốc khánh" in refused.text
    assert "web:dieuphoi@thu.example" in refused.text
    assert "UBND xã B Một" in refused.text  # the draft is still there
    assert latest(editor_site) == 2
    rebased = post(second, f"/editor/{CAL}/rebase", {}, f"/editor/{CAL}")
    assert rebased.status_code == 200 and "dựa trên phiên bản 2" in rebased.text
    assert post(second, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    engine = db.create_engine(editor_site.settings.database_url)
    with db.session_factory(engine)() as session:
        head = revisions.latest(session, CAL)
        assert head is not None and head.number == 3
        names = {u["id"]: u["name"] for u in head.document["units"]}
        assert names["xa-b1"] == "UBND xã B Một"
        assert head.document["days_off"] == [{"date": "02/09/2026", "name": "Nghỉ thêm Quốc khánh"}]
        assert drafts.get(session, CAL, "web:dieuphoi.b@thu.example") is None
    engine.dispose()


def test_a_scoped_coordinator_edits_only_his_subtree(editor_site: Site) -> None:
    client = editor_site.client("district_coordinator")  # scope: huyen-b
    other = {"name": "Đổi tên ngoài phạm vi", "kind": "commune", "parent": "huyen-a"}
    refused = post(client, f"/editor/{CAL}/units/xa-a1", other, f"/editor/{CAL}")
    assert refused.status_code == 403 and "chỉ được sửa các đơn vị trong phạm vi" in refused.text
    pulled = {"name": "UBND xã A1", "kind": "commune", "parent": "huyen-b"}
    refused = post(client, f"/editor/{CAL}/units/xa-a1", pulled, f"/editor/{CAL}")
    assert refused.status_code == 403, "another's unit is not pulled into his subtree"
    moved = form(client, f"/editor/{CAL}/units/xa-b2")
    moved["parent"] = "huyen-a"  # out of his subtree: allowed only as a change of his unit
    assert post(client, f"/editor/{CAL}/units/xa-b2", moved, f"/editor/{CAL}").status_code == 303
    refused = post(client, f"/editor/{CAL}/days", {"days_off": "02/09/2026"}, f"/editor/{CAL}")
    assert refused.status_code == 403 and "days_off" in refused.text
    page = client.get(f"/editor/{CAL}").text
    assert "(xa-b1)" in page and "(xa-a1)" not in page and "(fp-xa-a1)" not in page
    assert client.get(f"/editor/{CAL}/units/xa-a1").status_code == 404
    assert client.get(f"/editor/{CAL}/people/fp-xa-a1").status_code == 404
    assert f"/editor/{CAL}/obligations/new" not in page
    # Someone answering for a unit outside the subtree too is not his to change.
    refused = post(
        client,
        f"/editor/{CAL}/people/new",
        {"id": "fp-hai-noi", "name": "Hai Nơi", "focal_of": "xa-b1, xa-a2"},
        f"/editor/{CAL}",
    )
    assert refused.status_code == 403 and "xa-a2" in refused.text
    mine = {"id": "fp-moi-b", "name": "Mới B", "focal_of": "xa-b1"}
    assert post(client, f"/editor/{CAL}/people/new", mine, f"/editor/{CAL}").status_code == 303
    viewer = editor_site.client("viewer")
    assert viewer.get(f"/editor/{CAL}").status_code == 403
    assert 'href="/editor"' not in viewer.get("/").text


def test_unit_history_lists_its_people_and_dates(editor_site: Site) -> None:
    client = editor_site.client("coordinator")
    person = form(client, f"/editor/{CAL}/people/fp-xa-b2")
    person["phone"] = "0203 111 222"
    assert (
        post(client, f"/editor/{CAL}/people/fp-xa-b2", person, f"/editor/{CAL}").status_code == 303
    )
    unit = form(client, f"/editor/{CAL}/units/xa-b2")
    unit |= {"closed": "01/07/2025", "successor": "xa-b1"}
    assert post(client, f"/editor/{CAL}/units/xa-b2", unit, f"/editor/{CAL}").status_code == 303
    assert post(client, f"/editor/{CAL}/publish", {}, f"/editor/{CAL}").status_code == 303
    engine = db.create_engine(editor_site.settings.database_url)
    with engine.connect() as c:
        unit_id = c.exec_driver_sql("SELECT id FROM units WHERE key = 'xa-b2'").scalar()
    engine.dispose()
    page = client.get(f"/history/units/{unit_id}").text
    assert "Phiên bản 2" in page and "Phiên bản 1" in page
    assert "ngày giải thể: (trống) → 01/07/2025" in page
    assert "đơn vị kế thừa: (trống) → xa-b1" in page
    assert "Đầu mối xa-b2 (fp-xa-b2) — điện thoại: (trống) → 0203 111 222" in page
    assert f'href="/history/units/{unit_id}"' in client.get(f"/units/{unit_id}").text


def draft_document(site: Site, who: str = "dieuphoi@thu.example") -> dict[str, Any]:
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        draft = drafts.get(session, CAL, f"web:{who}")
        assert draft is not None
        document = dict(draft.document)
    engine.dispose()
    return document


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
