"""Reading a units-and-people workbook, within bounds, into rows that know their cell.

An upload is a stranger's zip: it is refused whole, with one Vietnamese sentence, when it
is too large, unpacks too large, carries a DTD (the XML entity tricks), has too many rows,
or is not the layout of `config.workbook` at all. Only the known columns are read, and
only WORKBOOK_MAX_COLUMNS of any row, so a sheet claiming a million columns costs nothing.
What is read is plain values (formulas give their cached value, never run), each row
remembering its sheet, number and column letters for the errors `config.workbook_apply`
gives.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from config.workbook import SHEETS, Column
from deadlines import bounds

REFUSED = {
    "size": "tệp quá lớn ({size} byte); tối đa {max} byte",
    "zip": "không phải tệp Excel .xlsx (không đọc được cấu trúc tệp)",
    "unpacked": "tệp giải nén quá lớn (hơn {max} byte)",
    "parts": "tệp có quá nhiều thành phần ({n})",
    "dtd": "tệp có khai báo DOCTYPE/ENTITY trong {part}: tệp Excel thật không bao giờ có",
    "broken": "không đọc được tệp Excel: {detail}",
    "no_sheet": "không có trang '{units}' hay trang '{people}' nào trong tệp",
    "rows": "trang '{sheet}' có quá {max} dòng",
    "missing": "trang '{sheet}' thiếu cột '{column}' (dòng 1 là tên cột, như trong tệp mẫu)",
    "twice": "trang '{sheet}' có cột '{column}' hai lần (cột {first} và {again})",
}
_MAX_PARTS = 2_000
_CHUNK = 64 * 1024


class WorkbookRefused(ValueError):
    """The whole file is refused; the message says why, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class Row:
    sheet: str
    number: int
    values: dict[str, Any]
    """Column key -> the cell's value (text stripped; empty cells absent)."""
    letters: dict[str, str] = field(default_factory=dict)
    """Column key -> its letter in this sheet (columns may be in any order)."""


@dataclass
class Sheets:
    rows: dict[str, list[Row]]
    """Sheet name -> its non-empty rows; a sheet missing from the file is absent."""


def _count(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def read_workbook(data: bytes) -> Sheets:
    """The workbook's rows (raises WorkbookRefused)."""
    if len(data) > bounds.WORKBOOK_MAX_BYTES:
        raise WorkbookRefused(
            REFUSED["size"].format(size=_count(len(data)), max=_count(bounds.WORKBOOK_MAX_BYTES))
        )
    _check_zip(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise WorkbookRefused(REFUSED["broken"].format(detail=type(exc).__name__)) from None
    try:
        found = {name: _sheet(book[name], name) for name in SHEETS if name in book.sheetnames}
    except WorkbookRefused:
        raise
    except Exception as exc:  # openpyxl meeting malformed XML raises many kinds
        raise WorkbookRefused(REFUSED["broken"].format(detail=type(exc).__name__)) from None
    finally:
        book.close()
    if not found:
        units, people = SHEETS
        raise WorkbookRefused(REFUSED["no_sheet"].format(units=units, people=people))
    return Sheets(found)


def _check_zip(data: bytes) -> None:
    """Bounds on the zip itself, before any XML parser sees a byte of it: the total
    actually unpacked (not what the directory claims), the count of parts, and no DTD."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise WorkbookRefused(REFUSED["zip"]) from None
    with archive:
        parts = archive.infolist()
        if len(parts) > _MAX_PARTS:
            raise WorkbookRefused(REFUSED["parts"].format(n=_count(len(parts))))
        total = 0
        for info in parts:
            tail = b""
            try:
                with archive.open(info) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > bounds.WORKBOOK_MAX_UNPACKED:
                            limit = _count(bounds.WORKBOOK_MAX_UNPACKED)
                            raise WorkbookRefused(REFUSED["unpacked"].format(max=limit))
                        window = tail + chunk
                        if b"<!DOCTYPE" in window or b"<!ENTITY" in window:
                            part = info.filename[:60]
                            raise WorkbookRefused(REFUSED["dtd"].format(part=part))
                        tail = chunk[-16:]
            except WorkbookRefused:
                raise
            except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
                raise WorkbookRefused(REFUSED["zip"]) from None


def header_key(text: object) -> str:
    """A header as typed, compared loosely: case, spaces and the required mark aside."""
    return re.sub(r"\s+", " ", str(text or "")).strip().rstrip("*").strip().casefold()


def _sheet(sheet: Any, name: str) -> list[Row]:
    columns: tuple[Column, ...] = SHEETS[name]
    by_header = {header_key(c.header): c for c in columns}
    cap = bounds.WORKBOOK_MAX_COLUMNS
    rows = sheet.iter_rows(min_row=1, max_col=cap, values_only=True)
    header = next(rows, None) or ()
    where: dict[str, int] = {}
    for index, text in enumerate(header):
        column = by_header.get(header_key(text))
        if column is None:
            continue  # a column of one's own notes: never read
        if column.key in where:
            first, again = get_column_letter(where[column.key] + 1), get_column_letter(index + 1)
            raise WorkbookRefused(
                REFUSED["twice"].format(sheet=name, column=column.header, first=first, again=again)
            )
        where[column.key] = index
    for column in columns:
        if column.required and column.key not in where:
            raise WorkbookRefused(REFUSED["missing"].format(sheet=name, column=column.header))
    letters = {key: get_column_letter(index + 1) for key, index in where.items()}
    out: list[Row] = []
    for number, cells in enumerate(rows, start=2):
        if number - 1 > bounds.WORKBOOK_MAX_ROWS:
            raise WorkbookRefused(
                REFUSED["rows"].format(sheet=name, max=_count(bounds.WORKBOOK_MAX_ROWS))
            )
        values = {}
        for key, index in where.items():
            value = cell_value(cells[index] if index < len(cells) else None)
            if value is not None:
                values[key] = value
        if values:
            out.append(Row(name, number, values, letters))
    return out


def cell_value(value: Any) -> Any:
    """A cell as plain data: text stripped (empty is None), whole numbers as int, a date
    or date-time as its day."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value).strip()
    return text or None
