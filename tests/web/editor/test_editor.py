"""The calendar editor through the app (TestClient, on SQLite and PostgreSQL): forms
change a draft only when the whole calendar stays valid, errors come back beside their
fields in `hanchot check`'s words, a stale publish is refused with what changed and the
draft kept, rebased and published; scoped coordinators edit their subtree only."""

from __future__ import annotations

from activities.publishing import publish_document
from store import db, drafts, revisions
from tests.web.conftest import Site
from tests.web.editor.conftest import CAL, document, form, latest
from tests.web.support import post


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
    assert "đầu mối thứ 1: Đầu mối xa-a2 (fp-xa-a2) → Hà Văn Thay (fp-thay)" in preview


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
    assert "đơn vị kế thừa: (trống) → UBND xã B1 (xa-b1)" in page
    assert "Đầu mối xa-b2 (fp-xa-b2) — điện thoại: (trống) → 0203 111 222" in page
    assert f'href="/history/units/{unit_id}"' in client.get(f"/units/{unit_id}").text


def test_a_long_revision_is_counted_and_its_list_folded(editor_site: Site) -> None:
    """A publish that adds a province's communes lists hundreds of lines: the history
    says what it did in counts first, the lines stay one click away."""
    grown = document()
    for n in range(25):
        grown["people"].append({"id": f"fp-moi-{n}", "name": f"Người mới {n}"})
        grown["units"].append(
            {
                "id": f"xa-moi-{n}",
                "name": f"UBND xã Mới {n}",
                "kind": "commune",
                "parent": "huyen-a",
                "focal_point": f"fp-moi-{n}",
            }
        )
    grown["units"][-1]["name"] = "UBND xã Mới Cuối"
    engine = db.create_engine(editor_site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, grown, source="import", author="cli:test")
    engine.dispose()
    page = editor_site.client("coordinator").get(f"/history/{CAL}").text
    assert "Thêm 25 người, 25 đơn vị." in page or "Thêm 25 đơn vị, 25 người." in page
    assert "<summary>Xem từng thay đổi (50)</summary>" in page
    assert "Đơn vị UBND xã Mới Cuối (xa-moi-24): thêm" in page  # folded, not dropped
