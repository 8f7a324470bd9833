"""The dashboard's Excel import of units and people, over HTTP against the app, on SQLite
and PostgreSQL: template and export downloads, an upload with a bad row (every error by
sheet, row, column, value), the fixed file previewed and published as a revision from
"import", the same file again changing nothing, a stale preview refused, a subtree
coordinator kept inside his subtree, and roles."""

from __future__ import annotations

import io
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from activities.publishing import publish_document
from config.workbook import LISTS, PEOPLE, UNITS
from config.workbook_read import read_workbook
from store import db, migrate
from store.models import CalendarRevision, Unit
from tests.config.workbooks import filled, new_communes
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.factory import CAL, XSS, Filled, calendar
from tests.web.support import RecordingGateway, csrf
from web.accounts import create_account
from web.app import create_app
from web.settings import WebSettings


def document() -> dict[str, Any]:
    """The test province (tests/web/factory.py) as the YAML document it would be written as."""
    cal = calendar()
    return {
        "calendar": {"id": CAL, "name": cal.name},
        "organisation": {"id": "ubnd-thu", "name": "UBND tỉnh Thử"},
        "people": [{"id": p.id, "name": p.name, "email": p.email} for p in cal.people],
        "units": [
            {"id": u.id, "name": u.name, "kind": u.kind}
            | ({"parent": u.parent} if u.parent else {})
            | ({"focal_point": list(u.focal_points)} if u.focal_points else {})
            for u in cal.units
        ],
        "obligations": [
            {"id": "bc-xa", "name": "Báo cáo 6 tháng cấp xã", "period": "semiannual",
             "due": {"H1": "before 10/06"}, "submitters": {"kinds": ["commune"]},
             "receiver": "so-noi-vu", "feeds": "bc-huyen"},
            {"id": "bc-huyen", "name": "Báo cáo 6 tháng cấp huyện", "period": "semiannual",
             "due": {"H1": "before 15/06"}, "submitters": {"kinds": ["district"]},
             "receiver": "so-noi-vu"},
            {"id": "bc-nam", "name": "Báo cáo năm", "period": "annual", "due": "before 15/12",
             "submitters": {"kinds": ["district", "commune"]}, "receiver": "so-noi-vu"},
        ],
    }  # fmt: skip


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Site]:
    """A store holding only the province's published revision and the accounts (no cycles:
    the engine's preview reads real cycle snapshots), on SQLite and PostgreSQL."""
    data = tmp_path / "data"
    data.mkdir()
    if request.param == "sqlite":
        url = f"sqlite:///{data / 'hanchot.db'}"
    else:
        url = str(request.getfixturevalue("postgres_web_url"))
    migrate.upgrade(url)
    engine = db.create_engine(url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        publish_document(session, document(), source="yaml", author="cli:test")
    for email, role, scope in ACCOUNTS.values():
        create_account(engine, email, role, scope, password=PASSWORD)
    engine.dispose()
    settings = WebSettings(
        database_url=url,
        secret="test-secret-" + "i" * 20,
        data_dir=data,
        public_url="http://127.0.0.1:8000",
        upload_max_bytes=256 * 1024,
    )
    app = create_app(settings, RecordingGateway())
    yield Site(settings, RecordingGateway(), Filled(), app)
    app.state.hanchot.engine.dispose()


def revisions(site: Site) -> list[tuple[int, str]]:
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        rows = session.execute(
            sa.select(CalendarRevision.number, CalendarRevision.source).order_by(
                CalendarRevision.number
            )
        )
        return [(n, s) for n, s in rows]


def upload(client: TestClient, data: bytes, name: str = "don-vi.xlsx"):  # type: ignore[no-untyped-def]
    token = csrf(client, "/import-units")
    return client.post(
        "/import-units",
        data={"csrf_token": token, "calendar": CAL},
        files=[("file", (name, data, "application/octet-stream"))],
        follow_redirects=False,
    )


def publish_form(client: TestClient, page: str):  # type: ignore[no-untyped-def]
    fields = dict(re.findall(r'name="(upload|base|file_name)" value="([^"]*)"', page))
    token = csrf(client, "/import-units")
    return client.post(
        "/import-units/publish",
        data={"csrf_token": token, "calendar": CAL, **fields},
        follow_redirects=False,
    )


def cells(page: str) -> list[list[str]]:
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('class="data cards issues"')[1], re.S)
    found = [re.findall(r"<td>(.*?)</td>", r, re.S) for r in rows]
    return [r for r in found if r]


def new_rows() -> dict[str, list[dict[str, Any]]]:
    """Two new units under huyen-b with their focal points; the ward's head names nobody."""
    return {
        UNITS: [
            {"id": "xa-tan-hoa", "name": "UBND xã Tân Hòa", "kind": "commune", "parent": "huyen-b",
             "focal_point": "dm-xa-tan-hoa"},
            {"id": "phuong-dong-kinh", "name": "UBND phường Đông Kinh", "kind": "ward",
             "parent": "huyen-b", "focal_point": "dm-phuong-dong-kinh", "head": "khong-co-ai"},
        ],
        PEOPLE: [
            {"id": "dm-xa-tan-hoa", "name": "Lục Thị Hoa", "email": "hoa@tanhoa.example",
             "phone": "0912 345 678"},
            {"id": "dm-phuong-dong-kinh", "name": "Vi Văn Kinh", "email": "kinh@dongkinh.example"},
        ],
    }  # fmt: skip


def test_upload_bad_row_then_fix_publish_and_again(site: Site) -> None:
    client = site.client("coordinator")
    new = new_rows()
    page = client.get("/import-units").text
    assert "/import-units/template?calendar=tinh-thu" in page and 'href="/import-units"' in page
    template = client.get(f"/import-units/template?calendar={CAL}")
    assert template.status_code == 200
    assert "attachment" in template.headers["content-disposition"]

    refused = upload(client, filled(template.content, new))
    assert refused.status_code == 400
    assert "Tệp có 1 lỗi; không có gì được nhập" in refused.text
    [[sheet, row, column, value, why]] = cells(refused.text)
    assert (sheet, row, column) == ("Đơn vị", "3", "F (Thủ trưởng (mã người))")
    assert value == "&#39;khong-co-ai&#39;" and "người &#39;khong-co-ai&#39; không có" in why
    assert "Công bố phiên bản" not in refused.text
    assert revisions(site) == [(1, "yaml")]

    del new[UNITS][1]["head"]
    fixed = filled(template.content, new)
    preview = upload(client, fixed)
    assert preview.status_code == 200, preview.text
    assert "Tệp don-vi.xlsx: 4 dòng dữ liệu, đặt lên phiên bản 1" in preview.text
    assert re.search(r"<td>xã</td><td class=\"num\">1</td>", preview.text)
    assert re.search(r"<td>phường</td><td class=\"num\">1</td>", preview.text)
    assert "Người: thêm 2, sửa 0." in preview.text and "Công bố phiên bản 2" in preview.text
    done = publish_form(client, preview.text)
    assert done.status_code == 303 and "published=2" in done.headers["location"]
    assert "Đã công bố phiên bản 2 từ tệp Excel" in client.get(done.headers["location"]).text
    assert revisions(site) == [(1, "yaml"), (2, "import")]

    again = upload(client, fixed)
    assert "Tệp không thay đổi gì so với phiên bản 2" in again.text
    assert "Công bố phiên bản" not in again.text
    exported = client.get(f"/import-units/export?calendar={CAL}").content
    assert not upload(client, exported).text.count("Công bố phiên bản")
    names = [r.values["name"] for r in read_workbook(exported).rows[UNITS]]
    assert XSS in names and "UBND phường Đông Kinh" in names
    assert revisions(site) == [(1, "yaml"), (2, "import")]


def test_a_preview_made_before_another_publish_is_refused(site: Site) -> None:
    client = site.client("coordinator")
    template = client.get(f"/import-units/template?calendar={CAL}").content
    preview = upload(
        client, filled(template, {UNITS: new_rows()[UNITS][:1], PEOPLE: new_rows()[PEOPLE][:1]})
    )
    assert "Công bố phiên bản 2" in preview.text
    other = document()
    other["units"][1]["name"] = "Sở Nội vụ tỉnh Thử"
    with site.app.state.hanchot.writer() as session, session.begin():  # type: ignore[attr-defined]
        publish_document(session, other, source="dashboard", author="web:khac@thu.example")
    stale = publish_form(client, preview.text)
    assert stale.status_code == 409
    assert "Lịch vừa được công bố phiên bản 2 sau khi bạn xem trước (phiên bản 1)" in stale.text
    assert revisions(site) == [(1, "yaml"), (2, "dashboard")]


def test_a_subtree_coordinator_changes_only_his_subtree(site: Site) -> None:
    client = site.client("district_coordinator")
    exported = client.get(f"/import-units/export?calendar={CAL}").content
    keys = {r.values["id"] for r in read_workbook(exported).rows[UNITS]}
    assert keys == {"huyen-b", "xa-b1", "xa-b2", "xa-xss"}
    template = client.get(f"/import-units/template?calendar={CAL}").content
    for data in (exported, template):  # the drop-downs list no id outside the subtree
        lists = load_workbook(io.BytesIO(data))[LISTS]
        assert {c.value for c in lists["C"][1:] if c.value} == keys
        people = {c.value for c in lists["D"][1:] if c.value}
        assert people == {"fp-huyen-b", "fp-xa-b1", "fp-xa-b2", "fp-xa-xss"}
    assert load_workbook(io.BytesIO(template))[UNITS]["D2"].value == "huyen-b"
    untouched = upload(client, template)
    assert "Bỏ qua 2 dòng mẫu chưa sửa" in untouched.text
    assert "Tệp không thay đổi gì" in untouched.text
    book = load_workbook(io.BytesIO(exported))
    book[UNITS].append(["xa-a9", "UBND xã A9", "commune", "huyen-a"])
    book[UNITS].append(["xa-a1", "UBND xã A Một", "commune", "huyen-a"])
    book[UNITS].append(["xa-b9", "UBND xã B9", "commune", "xa-b1"])
    book[UNITS].append(["xa-b8", "UBND xã B8", "commune", "huyen-b", None, None, None,
                        "01/01/2026", "xa-a2"])  # fmt: skip
    book[PEOPLE].append(["coord", "Người khác", "x@thu.example"])
    out = io.BytesIO()
    book.save(out)
    refused = upload(client, out.getvalue())
    found = {(sheet, row, column) for sheet, row, column, _v, _why in cells(refused.text)}
    assert found == {
        ("Đơn vị", "6", "D (Mã đơn vị cấp trên)"),
        ("Đơn vị", "7", "A (Mã đơn vị)"),
        ("Đơn vị", "9", "I (Đơn vị kế thừa (mã))"),
        ("Người", "6", "A (Mã người)"),
    }, "the new unit under huyen-b's own commune (row 8) is allowed"
    text = refused.text
    assert "đơn vị cấp trên &#39;huyen-a&#39; nằm ngoài phạm vi" in text
    assert "đơn vị &#39;xa-a1&#39; nằm ngoài phạm vi của tài khoản" in text
    assert "người &#39;coord&#39; còn là đầu mối" in text
    assert revisions(site) == [(1, "yaml")]

    inside = load_workbook(io.BytesIO(exported))
    inside[UNITS].append(["xa-b9", "UBND xã B9", "commune", "xa-b1"])
    out = io.BytesIO()
    inside.save(out)
    preview = upload(client, out.getvalue())
    assert preview.status_code == 200 and "Công bố phiên bản 2" in preview.text
    assert publish_form(client, preview.text).status_code == 303
    assert revisions(site) == [(1, "yaml"), (2, "import")]


def test_roles_and_hostile_uploads(site: Site) -> None:
    for who in ("viewer", "supervisor"):
        client = site.client(who)
        assert client.get("/import-units").status_code == 403
        assert client.get(f"/import-units/export?calendar={CAL}").status_code == 403
        assert "Nhập Excel" not in client.get("/").text
    client = site.client("coordinator")
    refused = upload(client, b"%PDF-1.4 not a workbook", "bao-cao.xlsx")
    assert refused.status_code == 400
    assert "Tệp không được nhận: không phải tệp Excel .xlsx" in refused.text
    assert client.get("/import-units?calendar=khong-co").status_code == 404
    gone = client.post(
        "/import-units/publish",
        data={"csrf_token": csrf(client, "/import-units"), "calendar": CAL,
              "upload": "0" * 64, "base": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert gone.status_code == 400 and "Không còn tệp đã xem trước" in gone.text
    assert revisions(site) == [(1, "yaml")]


def test_uploads_are_kept_for_publish_and_dropped_after_a_day(site: Site) -> None:
    client = site.client("coordinator")
    imports = site.settings.data_dir / "imports"
    template = client.get(f"/import-units/template?calendar={CAL}").content
    upload(client, template)
    [kept] = list(imports.glob("*.xlsx"))
    old = time.time() - 25 * 3600
    os.utime(kept, (old, old))
    upload(client, filled(template, {UNITS: new_rows()[UNITS][:1]}))
    assert kept not in set(imports.glob("*.xlsx")) and len(list(imports.glob("*.xlsx"))) == 1


def test_a_500_row_workbook_on_the_dashboard(site: Site) -> None:
    client = site.client("coordinator")
    template = client.get(f"/import-units/template?calendar={CAL}").content
    taken = {u["id"] for u in document()["units"]} | {p["id"] for p in document()["people"]}
    rows = new_communes(250, "huyen-a", taken)
    rows[PEOPLE][99]["email"] = "dau-moi-a-thu.example"  # sheet Người, row 101
    refused = upload(client, filled(template, rows))
    [[sheet, row, column, value, why]] = cells(refused.text)
    assert (sheet, row, column, value) == (
        "Người",
        "101",
        "C (Email)",
        "&#39;dau-moi-a-thu.example&#39;",
    )
    assert "không phải địa chỉ email" in why and revisions(site) == [(1, "yaml")]

    rows[PEOPLE][99]["email"] = "dau-moi@a-thu.example"
    preview = upload(client, filled(template, rows))
    assert "500 dòng dữ liệu" in preview.text and "500 thay đổi chi tiết" in preview.text
    assert "Người: thêm 250, sửa 0." in preview.text
    assert publish_form(client, preview.text).status_code == 303
    assert revisions(site) == [(1, "yaml"), (2, "import")]
    with site.app.state.hanchot.reader() as session:  # type: ignore[attr-defined]
        units = session.scalar(
            sa.select(sa.func.count()).select_from(Unit).where(Unit.removed_at.is_(None))
        )
    assert units == len(document()["units"]) + 250
