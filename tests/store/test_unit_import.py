"""Units and people from a workbook onto the newest revision, on SQLite and PostgreSQL:
an exported file changes nothing, every bad cell is named, all or nothing, a stale base is
refused, closures counted per kind; and hostile files refused whole, before any parsing."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session, sessionmaker

from activities import unit_import
from activities.publishing import publish_document, read_file
from config.workbook import PEOPLE, UNITS
from config.workbook_read import WorkbookRefused, read_workbook
from deadlines import bounds
from store import models, revisions
from store.revisions import RevisionConflict
from tests.config.workbooks import filled, new_communes

LANGSON = Path(__file__).resolve().parents[2] / "config" / "examples" / "langson-2025.yaml"
CAL = "langson-2025"
FORMULA = '=HYPERLINK("http://x.example","bấm")'


def _published(sessions: sessionmaker[Session], edit: bool = True) -> dict:
    _calendar, document = read_file(LANGSON)
    if edit:  # a name a spreadsheet would run, and a date written the ISO way
        document["units"][6]["name"] = FORMULA
        document["units"][7]["opened"] = "2001-02-03"
    with sessions.begin() as session:
        publish_document(session, document, source="yaml", author="cli:test")
    return document


def _count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(models.CalendarRevision)) or 0


def test_an_exported_workbook_imports_back_with_no_change(sessions: sessionmaker[Session]) -> None:
    _published(sessions)
    with sessions() as session:
        data = unit_import.export(session, CAL)
        prepared = unit_import.prepare(session, CAL, data)
    assert prepared.ok and prepared.rows > 200, prepared.issues
    assert prepared.changes == [] and not prepared.changed
    book = read_workbook(data)
    names = [r.values["name"] for r in book.rows[UNITS]]
    assert FORMULA in names, "a formula-looking name is kept as text, never run"


def test_one_bad_row_refuses_the_file_and_names_its_cell_then_the_fix_applies(
    sessions: sessionmaker[Session],
) -> None:
    document = _published(sessions, edit=False)
    taken = {u["id"] for u in document["units"]} | {p["id"] for p in document["people"]}
    rows = new_communes(250, "ubnd-tinh", taken)
    with sessions() as session:
        template = unit_import.template(session, CAL)
    rows[UNITS][136]["parent"] = "ubnd-tinh-ls"  # a typo, on sheet row 138
    with sessions() as session:
        bad = unit_import.prepare(session, CAL, filled(template, rows))
    [issue] = bad.issues
    assert (issue.sheet, issue.row, issue.letter, issue.value) == (
        UNITS,
        138,
        "D",
        "'ubnd-tinh-ls'",
    )
    assert issue.column == "Mã đơn vị cấp trên"
    assert "đơn vị cấp trên 'ubnd-tinh-ls' không có" in str(issue)
    assert str(issue).startswith("trang Đơn vị, dòng 138, cột D (Mã đơn vị cấp trên)")
    with sessions() as session, pytest.raises(ValueError):
        unit_import.publish(session, bad, "web:a", "x.xlsx")

    rows[UNITS][136]["parent"] = "ubnd-tinh"
    data = filled(template, rows)
    with sessions() as session:
        good = unit_import.prepare(session, CAL, data)
        assert good.ok and good.rows == 500
        assert len(good.changes) == 500
        assert sum(k.added for k in good.kinds) == 250 and good.people == (250, 0)
        published = unit_import.publish(session, good, "web:a", "xa-moi.xlsx")
        session.commit()
    assert published.number == 2
    with sessions() as session:
        revision = revisions.latest(session, CAL)
        assert revision is not None and (revision.source, revision.number) == ("import", 2)
        again = unit_import.prepare(session, CAL, data)
        assert again.ok and not again.changed, "the same file twice changes nothing"
        assert _count(session) == 2


def test_an_import_prepared_before_another_publish_is_refused(
    sessions: sessionmaker[Session],
) -> None:
    document = _published(sessions, edit=False)
    with sessions() as session:
        export = unit_import.export(session, CAL)
    book_rows = {UNITS: [{"id": "xa-tan-an", "name": "UBND xã Tân An", "kind": "commune",
                          "parent": "ubnd-tinh"}]}  # fmt: skip
    with sessions() as session:
        prepared = unit_import.prepare(session, CAL, filled(export, book_rows, keep_example=True))
    assert prepared.changed
    document["units"][2]["name"] = "Sở Nội vụ tỉnh Lạng Sơn"
    with sessions.begin() as session:
        publish_document(session, document, source="dashboard", author="web:b")
    session = sessions()
    with pytest.raises(RevisionConflict) as refused:
        unit_import.publish(session, prepared, "web:a", "x.xlsx")
    session.rollback()
    session.close()
    assert (refused.value.base, refused.value.latest) == (1, 2)
    with sessions() as session:
        assert _count(session) == 2


def test_closures_and_changes_are_counted_per_kind(sessions: sessionmaker[Session]) -> None:
    _published(sessions, edit=False)
    with sessions() as session:
        book = load_workbook(io.BytesIO(unit_import.export(session, CAL)))
        sheet = book[UNITS]
        for row in sheet.iter_rows(min_row=2):
            if row[0].value == "xa-ba-son":
                row[7].value = "15/03/2026"  # closed
                row[8].value = "xa-cong-son"  # successor
            if row[0].value == "so-y-te":
                row[1].value = "Sở Y tế tỉnh Lạng Sơn"
        out = io.BytesIO()
        book.save(out)
        prepared = unit_import.prepare(session, CAL, out.getvalue())
    assert prepared.ok, prepared.issues
    counts = {k.kind: (k.added, k.changed, k.closed) for k in prepared.kinds}
    assert counts == {"commune": (0, 0, 1), "department": (0, 1, 0)}


def _xlsx(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _sheet(rows: int) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = UNITS
    sheet.append(["Mã đơn vị", "Tên đơn vị", "Loại đơn vị"])
    for n in range(rows):
        sheet.append([f"xa-{n}", f"UBND xã {n}", "commune"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_hostile_files_are_refused_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = {
        "not a zip": (b"PK\x03\x04 not really", "không phải tệp Excel"),
        "too big": (b"\0" * (bounds.WORKBOOK_MAX_BYTES + 1), "tệp quá lớn"),
        "bomb": (
            _xlsx({"xl/big.xml": b"\0" * (bounds.WORKBOOK_MAX_UNPACKED + 1)}),
            "tệp giải nén quá lớn",
        ),
        "entities": (
            _xlsx(
                {"xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x/>'}
            ),
            "DOCTYPE/ENTITY",
        ),
        "no sheets": (_xlsx({"hello.txt": b"hi"}), "không đọc được tệp Excel"),
    }
    for name, (data, said) in cases.items():
        with pytest.raises(WorkbookRefused) as refused:
            read_workbook(data)
        assert said in str(refused.value), name
    monkeypatch.setattr(bounds, "WORKBOOK_MAX_ROWS", 50)
    assert len(read_workbook(_sheet(50)).rows[UNITS]) == 50
    with pytest.raises(WorkbookRefused, match="trang 'Đơn vị' có quá 50 dòng"):
        read_workbook(_sheet(51))


def test_a_sheet_without_a_required_column_is_refused_by_name() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = PEOPLE
    sheet.append(["Mã người", "Email"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(WorkbookRefused, match="trang 'Người' thiếu cột 'Họ và tên'"):
        read_workbook(out.getvalue())
