"""`hanchot check` and `hanchot plan`: validate calendars and show a year's deadlines."""

from __future__ import annotations

import csv
import enum
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from config.errors import CalendarError
from config.loader import load_calendar, load_calendars
from config.warnings import calendar_warnings
from deadlines import bounds
from deadlines.model import PARENT, Calendar
from deadlines.plan import PlanEntry, due_vi, reading_vi, shift_reason, year_plan
from deadlines.vi import fmt_date, fmt_day, fmt_instant, fmt_span
from deadlines.workdays import WorkCalendar
from notifier.ics import build_calendar, cycle_event

err = Console(stderr=True, highlight=False)


class PlanFormat(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    ics = "ics"


def fail_config(exc: CalendarError) -> typer.Exit:
    for issue in exc.errors:
        err.print(Text.assemble(("lỗi ", "red"), str(issue)), soft_wrap=True)
    err.print(f"{len(exc.errors)} lỗi; lịch không được nạp.")
    return typer.Exit(1)


def check(files: Annotated[list[Path], typer.Argument(help="Tệp lịch YAML")]) -> None:
    """Kiểm tra tệp lịch: báo mọi lỗi cùng lúc, kèm tệp, dòng và trường."""
    try:
        calendars = load_calendars(files)
    except CalendarError as exc:
        raise fail_config(exc) from None
    out = Console(highlight=False)
    for cal in calendars:
        warnings = calendar_warnings(cal, Path(cal.source).read_text(encoding="utf-8"))
        for issue in warnings:
            err.print(Text.assemble(("cảnh báo ", "yellow"), str(issue)), soft_wrap=True)
        out.print(
            f"✓ {cal.source}: lịch {cal.id} hợp lệ — {len(cal.units)} đơn vị, "
            f"{len(cal.people)} người, {len(cal.obligations)} nghĩa vụ báo cáo"
            + (f", {len(warnings)} cảnh báo" if warnings else "")
        )


def plan(
    config: Annotated[Path, typer.Argument(help="Tệp lịch YAML")],
    year: Annotated[int, typer.Option("--year", "-y", help="Năm cần xem")],
    unit: Annotated[
        str | None, typer.Option("--unit", "-u", help="Chỉ đơn vị này và cấp dưới")
    ] = None,
    fmt: Annotated[
        PlanFormat, typer.Option("--format", "-f", help="table, csv, json hoặc ics")
    ] = PlanFormat.table,
) -> None:
    """Lịch cả năm: mỗi đơn vị × nghĩa vụ, hạn ghi trong văn bản, hạn cuối và lý do, mốc nhắc."""
    try:
        cal = load_calendar(config)
    except CalendarError as exc:
        raise fail_config(exc) from None
    if unit is not None and unit not in cal.units_by_id:
        err.print(f"lỗi: đơn vị '{unit}' không có trong lịch {cal.id}")
        raise typer.Exit(2)
    if not bounds.FIRST_YEAR <= year <= bounds.LAST_YEAR:
        err.print(f"lỗi: năm {year} nằm ngoài khoảng {bounds.FIRST_YEAR}-{bounds.LAST_YEAR}")
        raise typer.Exit(2)
    entries = year_plan(cal, year, unit)
    if not entries:
        err.print(
            f"Không có hạn nộp nào trong năm {year}" + (f" cho đơn vị {unit}." if unit else ".")
        )
    if fmt is PlanFormat.table:
        _print_table(cal, year, entries)
    elif fmt is PlanFormat.csv:
        sys.stdout.write(plan_csv(cal, entries))
    elif fmt is PlanFormat.json:
        sys.stdout.write(
            json.dumps(plan_json(cal, year, entries), ensure_ascii=False, indent=2) + "\n"
        )
    else:
        tz = ZoneInfo(cal.organisation.timezone)
        events = []
        for e in entries:
            ob = cal.obligation(e.cycle.obligation_id)
            events.append(
                cycle_event(e.cycle, ob.name, tz, unit, day_starts=ob.working_hours.start)
            )
        sys.stdout.buffer.write(build_calendar(events, f"{cal.name} — {year}"))


def plan_rows(cal: Calendar, entries: list[PlanEntry]) -> list[dict[str, Any]]:
    """One flat row per unit × cycle, in Vietnamese display form (for table and CSV)."""
    tz = ZoneInfo(cal.organisation.timezone)
    rows = []
    for entry in entries:
        c = entry.cycle
        ob = cal.obligation(c.obligation_id)
        common = {
            "nghia_vu": ob.name,
            "ky": c.period.label_vi(),
            "han_theo_van_ban": f"{due_vi(c.due_text)} ({fmt_date(c.nominal)})"
            if c.due_text
            else "hết đợt",
            "cach_doc": reading_vi(c),
            "han_cuoi": fmt_day(c.legal_end),
            "ly_do_doi_han": shift_reason(c),
            "han_cuoi_neu_doc_khac": fmt_date(c.other_reading_legal_end)
            if c.other_reading_legal_end
            else "",
            "so_lieu": fmt_span(c.data_window) if c.data_window else "",
            "dot_cao_diem": fmt_span(c.campaign_window) if c.campaign_window else "",
            "nhac_viec": "; ".join(fmt_instant(r.at, tz) for r in c.reminders),
            "don_doc": "; ".join(
                f"{fmt_instant(s.at, tz)} ({s.to.label_vi()})" for s in c.escalations
            ),
        }
        for owed in entry.owed:
            rows.append({"ma_don_vi": owed.unit.id, "don_vi": owed.name_vi(), **common})
    return rows


_HEADERS = {
    "ma_don_vi": "Mã đơn vị",
    "don_vi": "Đơn vị",
    "nghia_vu": "Nghĩa vụ báo cáo",
    "ky": "Kỳ",
    "han_theo_van_ban": "Hạn theo văn bản",
    "cach_doc": "Cách hiểu",
    "han_cuoi": "Hạn cuối",
    "ly_do_doi_han": "Lý do dời hạn",
    "han_cuoi_neu_doc_khac": "Hạn cuối nếu hiểu cách khác",
    "so_lieu": "Số liệu tính từ",
    "dot_cao_diem": "Đợt cao điểm",
    "nhac_viec": "Nhắc việc",
    "don_doc": "Đôn đốc khi quá hạn",
}


def plan_csv(cal: Calendar, entries: list[PlanEntry]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(_HEADERS), lineterminator="\n")
    writer.writerow(_HEADERS)
    writer.writerows(plan_rows(cal, entries))
    return buf.getvalue()


def plan_json(cal: Calendar, year: int, entries: list[PlanEntry]) -> dict[str, Any]:
    """Machine form: ISO dates, UTC instants, ids."""
    cycles = []
    for e in entries:
        c = e.cycle
        cycles.append(
            {
                "cycle_id": c.cycle_id,
                "obligation": c.obligation_id,
                "period": c.period.id,
                "due_text": c.due_text,
                "nominal": c.nominal.isoformat(),
                "reading": c.reading.value,
                "last_day": c.last_day.isoformat(),
                "legal_end": c.legal_end.isoformat(),
                "legal_end_at": c.legal_end_at.isoformat(),
                "shifted_over": [
                    {"date": d.isoformat(), "reason": r, "source": source}
                    for (d, r), source in zip(c.shifted_over, c.shifted_sources, strict=True)
                ],
                "other_reading_legal_end": (
                    c.other_reading_legal_end.isoformat() if c.other_reading_legal_end else None
                ),
                "data_window": [d.isoformat() for d in c.data_window] if c.data_window else None,
                "campaign_window": (
                    [d.isoformat() for d in c.campaign_window] if c.campaign_window else None
                ),
                "opens_at": c.opens_at.isoformat(),
                "expects_submission": c.expects_submission,
                "reminders": [
                    {
                        "key": r.key,
                        "at": r.at.isoformat(),
                        "nominal_at": r.nominal_at.isoformat(),
                        "deferred_because": r.deferred_because,
                        "merged": list(r.merged),
                    }
                    for r in c.reminders
                ],
                "escalations": [
                    {
                        "key": s.key,
                        "to": s.to.value,
                        "at": s.at.isoformat(),
                        "deferred_because": s.deferred_because,
                    }
                    for s in c.escalations
                ],
                "receiver": cal.obligation(c.obligation_id).receiver_on(c.last_day),
                "units": [u.id for u in e.units],
                "instead_of": {
                    o.unit.id: [u.id for u in o.instead_of] for o in e.owed if o.instead_of
                },
                "not_owed": [{"unit": n.unit.id, "reason": n.reason} for n in e.not_owed],
            }
        )
    return {
        "calendar": cal.id,
        "year": year,
        "timezone": cal.organisation.timezone,
        "cycles": cycles,
        "days": [
            {"date": d.isoformat(), "name": name, "source": source}
            for d, name, source in WorkCalendar.of(cal).exceptions(year)
        ],
    }


def _print_days(cal: Calendar, year: int, out: Console) -> None:
    """The year's holidays, swaps and working days, each with where it comes from, so a
    coordinator can hold them against the Government's announcement."""
    table = Table("Ngày", "Là", "Theo", title=f"Ngày nghỉ và ngày làm bù năm {year}")
    table.title_justify = "left"
    for day, name, source in WorkCalendar.of(cal).exceptions(year):
        table.add_row(fmt_day(day), Text(name), source)
    out.print(table)


def _print_table(cal: Calendar, year: int, entries: list[PlanEntry]) -> None:
    out = Console(highlight=False)
    tz = ZoneInfo(cal.organisation.timezone)
    _print_days(cal, year, out)
    for entry in entries:
        c = entry.cycle
        ob = cal.obligation(c.obligation_id)
        out.rule(Text(f"{ob.name} — {c.period.label_vi()}", style="bold"))
        facts = Table.grid(padding=(0, 2))
        facts.add_row(
            "Hạn theo văn bản",
            f"{due_vi(c.due_text) or 'hết đợt'} ({fmt_date(c.nominal)}) — {reading_vi(c)}",
        )
        legal = fmt_day(c.legal_end)
        if reason := shift_reason(c):
            legal += f" — {reason}"
        if c.expects_submission:
            facts.add_row("Hạn cuối", legal)
        else:
            facts.add_row("Kết thúc đợt", f"{legal} (không có báo cáo phải nộp)")
        if c.other_reading_legal_end and c.other_reading_legal_end != c.legal_end:
            facts.add_row("Nếu hiểu cách khác", fmt_day(c.other_reading_legal_end))
        if c.data_window:
            facts.add_row("Số liệu tính từ", fmt_span(c.data_window))
        if c.campaign_window:
            facts.add_row("Đợt cao điểm", fmt_span(c.campaign_window))
        reminders = [
            fmt_instant(r.at, tz)
            + (f" (dời vì {r.deferred_because})" if r.deferred_because else "")
            for r in c.reminders
        ]
        facts.add_row("Nhắc việc", "\n".join(reminders) or "—")
        facts.add_row(
            "Đôn đốc",
            "\n".join(f"{fmt_instant(s.at, tz)} → {s.to.label_vi()}" for s in c.escalations) or "—",
        )
        receiver = ob.receiver_on(c.last_day)
        facts.add_row(
            "Nơi nhận",
            Text("cấp trên của từng đơn vị" if receiver == PARENT else cal.unit(receiver).name),
        )
        out.print(facts)
        table = Table("Mã", "Đơn vị", "Loại", "Đầu mối", title_justify="left")
        table.title = f"{len(entry.units)} đơn vị phải nộp"
        for owed in entry.owed:
            u = owed.unit
            contact = ", ".join(cal.person(p).name for p in u.focal_points)
            # Names are data, never markup: Text() shows "[b]" or "<script>" verbatim.
            table.add_row(
                Text(u.id), Text(owed.name_vi()), Text(u.kind), Text(contact or "chưa có")
            )
        out.print(table)
        if entry.not_owed:
            gone = Table("Mã", "Đơn vị", "Lý do", title_justify="left")
            gone.title = f"{len(entry.not_owed)} đơn vị không phải nộp"
            for n in entry.not_owed:
                gone.add_row(Text(n.unit.id), Text(n.unit.name), Text(n.reason))
            out.print(gone)


def register(app: typer.Typer) -> None:
    app.command("check")(check)
    app.command("plan")(plan)
