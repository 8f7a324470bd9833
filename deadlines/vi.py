"""Vietnamese presentation of dates, instants and counts: dd/mm/yyyy, weekday names, local
time, 2.345."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from deadlines.workdays import weekday_vi


def fmt_date(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def fmt_day(day: date) -> str:
    """ "Thứ Hai, 16/06/2025"."""
    return f"{weekday_vi(day)}, {day:%d/%m/%Y}"


def fmt_instant(instant: datetime, tz: ZoneInfo) -> str:
    """ "16/06/2025 07:30" in the calendar's time zone."""
    return f"{instant.astimezone(tz):%d/%m/%Y %H:%M}"


def fmt_span(span: tuple[date, date]) -> str:
    return f"{span[0]:%d/%m/%Y} – {span[1]:%d/%m/%Y}"


def fmt_count(n: int) -> str:
    """A count as Vietnamese write it: 2.345 (a dot between thousands)."""
    return f"{n:,}".replace(",", ".")
