"""Every table a person reads is also a file: one `Table` per page, exported as CSV or
XLSX with the same columns and Vietnamese headers.

Values keep their types (numbers, dates, instants, rates) so a spreadsheet can sort and
sum them; CSV shows them as the page does (dd/mm/yyyy, "87,5%"). Text that a spreadsheet
would run as a formula (a unit named `=HYPERLINK(...)`) is neutralised: stored as a
string in XLSX, prefixed with an apostrophe in CSV (OWASP's advice for CSV injection).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

from fastapi import Response
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from web.formatting import TZ, fmt_date, fmt_datetime, fmt_rate

FORMATS = ("csv", "xlsx")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True, slots=True)
class Percent:
    """A rate in [0, 1], or None when nothing was expected."""

    value: float | None


Value = str | int | float | date | datetime | Percent | None


@dataclass
class Table:
    name: str
    """The file name's stem (ASCII), e.g. `ma-tran-2025`."""
    title: str
    headers: list[str]
    rows: list[list[Value]] = field(default_factory=list)

    def add(self, *values: Value) -> None:
        if len(values) != len(self.headers):
            raise ValueError(f"{self.name}: {len(values)} values for {len(self.headers)} columns")
        self.rows.append(list(values))


def _text(value: Value) -> str:
    if value is None:
        return ""
    if isinstance(value, Percent):
        return fmt_rate(value.value)
    if isinstance(value, datetime):
        return fmt_datetime(value)
    if isinstance(value, date):
        return fmt_date(value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return str(value)


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, which Excel needs to read Vietnamese correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _xlsx_cell(sheet: object, value: Value) -> WriteOnlyCell:
    if isinstance(value, Percent):
        cell = WriteOnlyCell(sheet, value=value.value)
        cell.number_format = "0.0%"
        return cell
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value.astimezone(TZ).replace(tzinfo=None))
        cell.number_format = "dd/mm/yyyy hh:mm"
        return cell
    if isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "dd/mm/yyyy"
        return cell
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def to_xlsx(table: Table) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(
        title=table.title[:31].translate(str.maketrans("[]:*?/\\", "()-----"))
    )
    if table.headers:
        # A leader's spreadsheet: the header stays in view, every column has a filter,
        # and columns are wide enough for their longest value (within reason).
        sheet.freeze_panes = "A2"
        last = get_column_letter(len(table.headers))
        sheet.auto_filter.ref = f"A1:{last}{len(table.rows) + 1}"
        for index, width in enumerate(_widths(table), start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
    bold = Font(bold=True)
    header = []
    for title in table.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _widths(table: Table) -> list[float]:
    """Characters per column, from the header and the first rows' text (10 to 50)."""
    widths = [float(min(max(len(h), 10), 50)) for h in table.headers]
    for row in table.rows[:1000]:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], float(min(len(_text(value)) + 2, 50)))
    return widths


def export_response(table: Table, fmt: str) -> Response:
    stamp = datetime.now(TZ).strftime("%Y%m%d-%H%M")
    filename = f"{table.name}-{stamp}.{fmt}"
    disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{quote(filename)}"
    if fmt == "xlsx":
        return Response(
            to_xlsx(table), media_type=XLSX_TYPE, headers={"Content-Disposition": disposition}
        )
    return Response(
        to_csv(table),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
    )
