"""Every table page exports as CSV and XLSX, and the files read back to the same figures."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest

from tests.web.conftest import Site
from tests.web.factory import XSS
from web.tables import Percent, Table, to_csv, to_xlsx

PAGES = [
    "/?year=2025",
    "/matrix?year=2025",
    "/chart",
    "/plan?year=2025",
    "/extensions",
    "/outbox",
    "/quarantine",
]


def _xlsx(content: bytes) -> list[list[object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def _csv(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


@pytest.mark.parametrize("page", PAGES)
def test_every_table_exports_as_csv_and_xlsx(site: Site, page: str) -> None:
    client = site.client("coordinator")
    joiner = "&" if "?" in page else "?"
    as_csv = client.get(f"{page}{joiner}format=csv")
    as_xlsx = client.get(f"{page}{joiner}format=xlsx")
    assert as_csv.status_code == as_xlsx.status_code == 200
    assert "attachment" in as_csv.headers["content-disposition"]
    assert as_xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows_csv, rows_xlsx = _csv(as_csv.content), _xlsx(as_xlsx.content)
    assert len(rows_csv) == len(rows_xlsx) >= 2
    assert rows_csv[0] == rows_xlsx[0]  # the same Vietnamese headers


def test_the_overview_export_has_the_pages_figures(site: Site) -> None:
    client = site.client("coordinator")
    rows = _xlsx(client.get("/?year=2025&format=xlsx").content)
    header, *body = rows
    commune = next(r for r in body if r[0] == "Báo cáo 6 tháng cấp xã")
    values = dict(zip(header, commune, strict=True))
    assert (values["Phải nộp"], values["Đã nộp"], values["Đúng hạn"]) == (5, 3, 2)
    assert values["Tỷ lệ báo cáo"] == pytest.approx(0.6)
    # the last day (hết ngày 09/06/2025) as a date, never 10/06/2025 00:00
    assert (values["Hạn cuối"].day, values["Hạn cuối"].hour) == (9, 0)
    csv_rows = _csv(client.get("/?year=2025&format=csv").content)
    assert "60,0%" in next(r for r in csv_rows if r[0] == "Báo cáo 6 tháng cấp xã")


def test_the_matrix_export_follows_the_filters_and_scope(site: Site) -> None:
    rows = _xlsx(
        site.client("coordinator").get("/matrix?year=2025&status=overdue&format=xlsx").content
    )
    assert {r[1] for r in rows[1:]} == {"UBND xã A2", XSS}  # the name exactly, as text
    scoped = _xlsx(site.client("supervisor").get("/matrix?year=2025&format=xlsx").content)
    assert {r[1] for r in scoped[1:]} == {"UBND huyện A", "UBND xã A1", "UBND xã A2", "UBND xã A3"}


def test_the_unit_timeline_exports(site: Site) -> None:
    client = site.client("coordinator")
    unit = re.search(r'href="/units/(\d+)">UBND huyện B<', client.get("/matrix?year=2024").text)
    rows = _csv(client.get(f"/units/{unit.group(1)}?format=csv").content)
    assert rows[0][:3] == ["Thời điểm", "Nguồn", "Sự việc"]
    assert any(r[2] == "Nộp báo cáo" and r[7] == "bao-cao-6-thang.pdf" for r in rows[1:])


def test_spreadsheet_formulas_in_data_stay_text() -> None:
    table = Table("thu", "Thử", ["Đơn vị", "Tỷ lệ"])
    table.add('=HYPERLINK("https://evil.example","bấm")', Percent(0.5))
    table.add("+1+1", Percent(None))
    [_, first, second] = _xlsx(to_xlsx(table))
    assert first[0] == '=HYPERLINK("https://evil.example","bấm")' and second[0] == "+1+1"
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet["A2"].data_type == "s"
    rows = _csv(to_csv(table))
    assert rows[1][0].startswith("'=") and rows[2][0] == "'+1+1" and rows[2][1] == "—"


def test_the_unit_deadlines_and_cycle_breakdowns_export(site: Site) -> None:
    client = site.client("coordinator")
    matrix = client.get("/matrix?year=2025").text
    unit = re.search(r'href="/units/(\d+)">UBND xã A2<', matrix).group(1)
    rows = _xlsx(client.get(f"/units/{unit}?table=deadlines&format=xlsx").content)
    assert rows[0][:3] == ["Nghĩa vụ", "Kỳ", "Trạng thái"]
    assert ["Báo cáo 6 tháng cấp xã", "6 tháng đầu năm 2025", "Quá hạn"] in [r[:3] for r in rows]
    overview = client.get("/?year=2025").text
    cycle = re.search(r'href="/cycles/(\d+)">Báo cáo 6 tháng cấp xã<', overview).group(1)
    breakdown = _csv(client.get(f"/cycles/{cycle}?format=csv").content)
    assert breakdown[1][:3] == ["Toàn kỳ", "", "5"]
    assert breakdown[2][:3] == ["xã", "Loại đơn vị", "5"]  # a kind in words, never its code


def test_the_matrix_export_is_fit_to_hand_to_leadership(site: Site) -> None:
    content = site.client("coordinator").get("/matrix?year=2025&format=xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == sheet.dimensions
    assert all(sheet.column_dimensions[c].width >= 10 for c in ("A", "B", "E"))
    header, *body = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:5] == ["Mã đơn vị", "Đơn vị", "Loại đơn vị", "Cấp", "Cán bộ đầu mối"]
    title = "Báo cáo 6 tháng cấp xã — 6 tháng đầu năm 2025"
    column = header.index(f"{title}: trạng thái")
    assert header[column + 1 : column + 6] == [
        f"{title}: hạn cuối (hết ngày)",
        f"{title}: ngày nộp",
        f"{title}: số văn bản",
        f"{title}: tỷ lệ cấp dưới đã nộp",
        f"{title}: số cấp dưới nộp trễ",
    ]
    submitted = [r for r in body if r[column] in ("Đã nộp đúng hạn", "Đã nộp muộn")]
    assert submitted
    for row in submitted:
        assert row[2] == "xã"  # the kind in words, not `commune`
        assert row[4]  # who to call
        last_day, handed, number = row[column + 1 : column + 4]
        # The last day as a date (midnight, no time of day), never the exclusive instant.
        assert (last_day.hour, last_day.minute) == (0, 0)
        # factory.legal_end: 24:00 local of 09/06, stored as 10/06 00:00 local
        assert (last_day.day, last_day.month) == (9, 6)
        assert handed is not None and number == f"12/BC-{row[0]}"
    rates = header.index(f"{title}: tỷ lệ cấp dưới đã nộp")
    parent = next(r for r in body if r[rates] is not None)
    assert isinstance(parent[rates], float)
    assert sheet.cell(row=body.index(parent) + 2, column=rates + 1).number_format == "0.0%"
