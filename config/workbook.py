"""The units-and-people workbook (.xlsx): its layout, and writing it from a calendar's document.

Coordinators keep their contact lists in Excel, so a calendar's units and people travel as
one workbook: a sheet of units (one row per unit, its focal points and head by person id),
a sheet of people, and a sheet of the lists the drop-downs offer (unit kinds with their
meaning, the calendar's unit and person ids). `template` is the blank form with one example row per
sheet; `export` writes a calendar's current units and people in the same layout, and
`config.workbook_read` reads either back: an exported file imports with no change.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from config.values import parse_date
from deadlines.present import KIND_VI

UNITS, PEOPLE, LISTS = "Đơn vị", "Người", "Danh mục"
KINDS = ("province", "department", "mass_organisation", "district", "commune", "ward")
"""Kinds offered even when the calendar has none of them yet."""
LANGUAGES = ("vi", "en")


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    """The calendar field (units[].parent, people[].email, ...)."""
    header: str
    required: bool = False
    width: int = 18
    date: bool = False


UNIT_COLUMNS = (
    Column("id", "Mã đơn vị", True, 22),
    Column("name", "Tên đơn vị", True, 36),
    Column("kind", "Loại đơn vị", True),
    Column("parent", "Mã đơn vị cấp trên", width=22),
    Column("focal_point", "Cán bộ đầu mối (mã người, cách nhau dấu phẩy)", width=30),
    Column("head", "Thủ trưởng (mã người)", width=22),
    Column("opened", "Ngày thành lập", date=True),
    Column("closed", "Ngày giải thể", date=True),
    Column("successor", "Đơn vị kế thừa (mã)", width=22),
)
PERSON_COLUMNS = (
    Column("id", "Mã người", True, 22),
    Column("name", "Họ và tên", True, 30),
    Column("email", "Email", width=30),
    Column("phone", "Điện thoại", width=16),
    Column("telegram", "Telegram", width=18),
    Column("language", "Ngôn ngữ", width=10),
)
SHEETS = {UNITS: UNIT_COLUMNS, PEOPLE: PERSON_COLUMNS}
SECTIONS = {UNITS: "units", PEOPLE: "people"}
"""Each sheet's list in the calendar's document."""


def examples(units: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The template's example rows, the unit under the first of `units` whose parent is
    not among them (the calendar's top, or an account's subtree root). A row left as
    given (whatever its parent) is skipped on import."""
    ids = {u.get("id") for u in units}
    tops = [u.get("id") for u in units if u.get("parent") not in ids]
    return {
        UNITS: {
            "id": "xa-vi-du",
            "name": "UBND xã Ví Dụ (dòng mẫu, sửa hoặc xóa)",
            "kind": "commune",
            "parent": str(tops[0]) if tops and tops[0] else "ubnd-tinh",
            "focal_point": "dm-xa-vi-du",
            "opened": date(2025, 7, 1),
        },
        PEOPLE: {
            "id": "dm-xa-vi-du",
            "name": "Nguyễn Thị Ví Dụ (dòng mẫu, sửa hoặc xóa)",
            "email": "dau-moi@xa-vi-du.example",
            "phone": "0912 345 678",
            "language": "vi",
        },
    }


_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_MAX_LISTED = 20_000


def cell_text(key: str, value: Any) -> Any:
    """A document value as its cell holds it: dates as dates, id lists joined."""
    if value is None or value == "":
        return None
    if key == "focal_point" and isinstance(value, list):
        return ", ".join(str(v) for v in value) or None
    if key in {"opened", "closed"}:
        try:
            return parse_date(value)
        except ValueError:
            return str(value)  # kept as written; the loader will say what is wrong with it
    return value if isinstance(value, (str, int, date)) else str(value)


def template(document: dict[str, Any], unit_ids: set[str] | None = None) -> bytes:
    """The blank workbook for a calendar (its lists within `unit_ids`, if given): headers,
    one example row per sheet, drop-downs."""
    units, people = visible(document, unit_ids)
    shown = examples(units)
    rows = {UNITS: [shown[UNITS]], PEOPLE: [shown[PEOPLE]]}
    return _book(units, people, rows, example=True)


def export(document: dict[str, Any], unit_ids: set[str] | None = None) -> bytes:
    """A calendar's units and people (only `unit_ids` and the people they name, if given)."""
    units, people = visible(document, unit_ids)
    return _book(units, people, {UNITS: units, PEOPLE: people}, example=False)


def visible(
    document: dict[str, Any], unit_ids: set[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The units in `unit_ids` (all if None) and the people they name (all if None): what
    an account may see, in the file and in its drop-down lists alike."""
    units = [u for u in _entries(document, "units") if unit_ids is None or u.get("id") in unit_ids]
    people = _entries(document, "people")
    if unit_ids is not None:
        named = {p for u in units for p in _people_of(u)}
        people = [p for p in people if p.get("id") in named]
    return units, people


def _people_of(unit: dict[str, Any]) -> list[str]:
    focal = unit.get("focal_point") or []
    found = [str(p) for p in (focal if isinstance(focal, list) else [focal])]
    return found + ([str(unit["head"])] if unit.get("head") else [])


def _entries(document: dict[str, Any], section: str) -> list[dict[str, Any]]:
    found = document.get(section) or []
    return [e for e in found if isinstance(e, dict)] if isinstance(found, list) else []


def _book(
    units: list[dict[str, Any]],
    people: list[dict[str, Any]],
    rows: dict[str, list[dict[str, Any]]],
    example: bool,
) -> bytes:
    book = Workbook()
    first = book.active
    assert first is not None
    book.remove(first)
    for name, columns in SHEETS.items():
        sheet = book.create_sheet(name)
        _header(sheet, columns)
        for entry in rows[name]:
            _row(sheet, columns, entry, italic=example)
    _validations(book, _lists(book, units, people))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: Worksheet, columns: Iterable[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        cell = sheet.cell(1, index, column.header + (" *" if column.required else ""))
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cell.fill = _HEADER_FILL
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    sheet.freeze_panes = "A2"


def _row(
    sheet: Worksheet, columns: tuple[Column, ...], entry: dict[str, Any], italic: bool
) -> None:
    row = sheet.max_row + 1
    for index, column in enumerate(columns, start=1):
        value = cell_text(column.key, entry.get(column.key))
        cell = sheet.cell(row, index)
        cell.value = value
        if isinstance(value, date):
            cell.number_format = "dd/mm/yyyy"
        elif isinstance(value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        if italic:
            cell.font = Font(italic=True, color="808080")


def _lists(
    book: Workbook, units: list[dict[str, Any]], people: list[dict[str, Any]]
) -> dict[int, int]:
    """The drop-downs' lists: kinds (with their meaning), unit ids, person ids."""
    sheet = book.create_sheet(LISTS)
    kinds = list(KINDS) + sorted({str(u["kind"]) for u in units if u.get("kind")} - set(KINDS))
    columns = [
        ("Loại đơn vị", kinds),
        ("Nghĩa", [KIND_VI.get(k, "") for k in kinds]),
        ("Mã đơn vị đã có", [str(u["id"]) for u in units if u.get("id")][:_MAX_LISTED]),
        ("Mã người đã có", [str(p["id"]) for p in people if p.get("id")]),
        ("Ngôn ngữ", list(LANGUAGES)),
    ]
    for index, (title, values) in enumerate(columns, start=1):
        sheet.cell(1, index, title).font = Font(bold=True)
        for row, value in enumerate(values[:_MAX_LISTED], start=2):
            sheet.cell(row, index, value).data_type = "s"
        sheet.column_dimensions[get_column_letter(index)].width = 24
    return {i: min(max(len(v), 1), _MAX_LISTED) + 1 for i, (_, v) in enumerate(columns, 1)}


def _validations(book: Workbook, rows: dict[int, int]) -> None:
    """Drop-downs on the columns that name a kind, a unit or a person. A new unit's or
    person's id is typed in the same file, so those lists warn rather than refuse."""

    def listed(column: int) -> str:
        letter = get_column_letter(column)
        return f"'{LISTS}'!${letter}$2:${letter}${rows[column]}"  # OOXML: no leading '='

    plan = {
        UNITS: {"kind": listed(1), "parent": listed(3), "successor": listed(3), "head": listed(4)},
        PEOPLE: {"language": listed(5)},
    }
    for name, wanted in plan.items():
        sheet = book[name]
        for index, column in enumerate(SHEETS[name], start=1):
            if column.key not in wanted:
                continue
            check = DataValidation(
                type="list", formula1=wanted[column.key], allow_blank=True, showErrorMessage=True
            )
            check.errorStyle = "warning" if column.key != "language" else "stop"
            check.error = "Giá trị không có trong danh mục; vẫn nhận nếu là mã mới trong tệp này."
            check.errorTitle = "Kiểm tra giá trị"
            sheet.add_data_validation(check)
            letter = get_column_letter(index)
            check.add(f"{letter}2:{letter}{_MAX_LISTED}")
