"""A supervisor's digest, from its outbox payload (`store.digests.Digest.payload()`) to the
template variables of `digest.j2` and the `.xlsx` attached to the email.

Every date is dd/mm/yyyy, rates are Vietnamese percentages ("87,5%"), and each rate is
shown with the previous period's next to it and the change in percentage points.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from deadlines import present
from deadlines.expected import Rates, format_rate

EXTENSION_VI = {
    None: "Không",
    "requested": "Đang xin gia hạn",
    "approved": "Đã được gia hạn",
    "refused": "Bị từ chối gia hạn",
}
EXTENSION_EN = {
    None: "None",
    "requested": "Requested",
    "approved": "Granted",
    "refused": "Refused",
}


def _day(iso: str) -> str:
    return f"{date.fromisoformat(iso):%d/%m/%Y}"


def _rates(line: dict[str, Any] | None) -> Rates | None:
    if not line:
        return None
    return Rates(line["expected"], line["submitted"], line["on_time"])


def _change(now: float | None, before: float | None) -> str:
    """ "+12,5 điểm" style change in percentage points; "" when either is unknown."""
    if now is None or before is None:
        return ""
    points = (now - before) * 100
    if abs(points) < 0.05:
        return "±0"
    return f"{points:+.1f}".replace(".", ",")


def _rate_facts(group: dict[str, Any]) -> dict[str, Any]:
    current, previous = group.get("current"), group.get("previous")
    now, before = _rates(current), _rates(previous)
    reporting = now.reporting_rate if now else None
    on_time = now.on_time_rate if now else None
    reporting_before = before.reporting_rate if before else None
    on_time_before = before.on_time_rate if before else None
    return {
        "period_label": current["period_label"] if current else "",
        "previous_label": previous["period_label"] if previous else "",
        "expected": now.expected if now else 0,
        "submitted": now.submitted if now else 0,
        "on_time": now.on_time if now else 0,
        "reporting": format_rate(reporting),
        "on_time_rate": format_rate(on_time),
        "reporting_before": format_rate(reporting_before) if before else "",
        "on_time_before": format_rate(on_time_before) if before else "",
        "values": (reporting, on_time, reporting_before, on_time_before),
        "reporting_change": _change(reporting, reporting_before),
        "on_time_change": _change(on_time, on_time_before),
    }


def digest_facts(payload: dict[str, Any], language: str) -> dict[str, Any]:
    """Template variables of a digest: the groups with formatted dates, labels and rates."""
    labels = EXTENSION_VI if language == "vi" else EXTENSION_EN
    groups = []
    for group in payload.get("groups") or []:
        units = [
            {
                **unit,
                "escalations_sent": unit.get("escalations_sent") or 0,
                "due_text": present.due_text(date.fromisoformat(unit["due_on"]))
                if language == "vi"
                else _day(unit["due_on"]),
                "extension_text": labels.get(unit.get("extension"), unit.get("extension")),
                "focal_text": "; ".join(unit.get("focal_points") or []) or "—",
            }
            for unit in group["units"]
        ]
        groups.append({**group, "units": units, "rate": _rate_facts(group)})
    return {
        **payload,
        "groups": groups,
        "as_of_text": _day(payload["as_of"]),
        "overdue_path": "/matrix?"
        + urlencode({"calendar": payload.get("calendar_key") or "", "status": "overdue"}),
        "overdue": sum(len(g["units"]) for g in groups),
        "weekly": payload.get("digest_kind") == "weekly",
    }


HEADERS_VI = (
    "Báo cáo",
    "Kỳ",
    "Đơn vị",
    "Hạn cuối",
    "Số ngày quá hạn",
    "Số lần đã nhắc",
    "Số lần đôn đốc",
    "Gia hạn",
    "Đầu mối",
)
RATE_HEADERS_VI = (
    "Báo cáo",
    "Kỳ",
    "Phải nộp",
    "Đã nộp",
    "Đúng hạn",
    "Tỷ lệ nộp",
    "Tỷ lệ đúng hạn",
    "Kỳ trước",
    "Tỷ lệ nộp kỳ trước",
    "Tỷ lệ đúng hạn kỳ trước",
)


def digest_xlsx(payload: dict[str, Any]) -> bytes:
    """The digest as a workbook: sheet "Quá hạn" (one row per overdue unit) and sheet
    "Tỷ lệ" (one row per obligation, this period against the previous one)."""
    facts = digest_facts(payload, "vi")
    book = Workbook()
    overdue = book.active
    overdue.title = "Quá hạn"
    overdue.append(HEADERS_VI)
    for group in facts["groups"]:
        for unit in group["units"]:
            overdue.append(
                (
                    group["obligation_name"],
                    unit["period_label"],
                    unit["unit_name"],
                    date.fromisoformat(unit["due_on"]),
                    unit["days_overdue"],
                    unit["reminders_sent"],
                    unit["escalations_sent"],
                    unit["extension_text"],
                    unit["focal_text"],
                )
            )
    for row in overdue.iter_rows(min_row=2, min_col=4, max_col=4):
        for cell in row:
            cell.number_format = "DD/MM/YYYY"
    rates = book.create_sheet("Tỷ lệ")
    rates.append(RATE_HEADERS_VI)
    for group in facts["groups"]:
        r = group["rate"]
        rates.append(
            (
                group["obligation_name"],
                r["period_label"],
                r["expected"],
                r["submitted"],
                r["on_time"],
                r["values"][0],
                r["values"][1],
                r["previous_label"],
                r["values"][2],
                r["values"][3],
            )
        )
    for row in rates.iter_rows(min_row=2, min_col=6, max_col=10):
        for cell in row:
            if cell.column != 8:  # the previous period's label
                cell.number_format = "0.0%"
    fill = PatternFill("solid", fgColor="DDE6F0")
    for sheet, widths in (
        (overdue, (40, 16, 32, 14, 10, 10, 10, 20, 40)),
        (rates, (40, 16, 10, 10, 10, 12, 14, 16, 16, 18)),
    ):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.fill = fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for index, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + index)].width = width
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_name(payload: dict[str, Any]) -> str:
    return f"bao-cao-qua-han-{payload.get('period_key') or payload.get('as_of')}.xlsx"
