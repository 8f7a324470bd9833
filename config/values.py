"""Parsers for the scalar values a calendar holds: dates, due rules, offsets, durations.

Each raises ValueError with a Vietnamese message a coordinator can act on; the loader
attaches the file, line and field. Every value is a bounded scalar (`source.scalar`) and
every date, day count and id is held to `deadlines.bounds`, so what passes `check` plans.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from config.source import scalar
from deadlines import bounds
from deadlines.bounds import ID_HINT, shown
from deadlines.model import DayMonth, DueRule, ReminderOffset, WorkingHours
from deadlines.periods import last_day_of_month

_DATE = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})\s*\Z")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*\Z")
_DAY_MONTH = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*\Z")
_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*\Z")
_OFFSET = re.compile(r"^\s*([+-]?\d{1,6})\s*([dw])\s*(?:@\s*(\d{1,2}:\d{2}))?\s*\Z")
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([hdw])\s*\Z")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+\Z")
_TELEGRAM = re.compile(r"^@?[A-Za-z][A-Za-z0-9_]{4,31}\Z")

__all__ = ["ID_HINT"]  # re-exported: the loader's hint for every id

_BEFORE = ("before", "trước ngày", "trước")
_BY = ("by", "chậm nhất ngày", "chậm nhất là ngày", "chậm nhất", "không quá ngày", "đến hết ngày")
_NEXT_YEAR = ("next year", "năm sau")
_NEXT_MONTH = ("next month", "tháng sau")


def _check_day(day: int, month: int, year: int | None, text: str) -> None:
    if not 1 <= month <= 12:
        raise ValueError(f"{shown(text)}: không có tháng {month}")
    limit = last_day_of_month(year if year is not None else 2001, month)
    if year is None and month == 2 and day == 29:
        raise ValueError(f"{shown(text)}: ngày 29/02 không có trong mọi năm; dùng 28/02 hoặc 01/03")
    if not 1 <= day <= limit:
        when = f"tháng {month}/{year}" if year is not None else f"tháng {month}"
        raise ValueError(f"{shown(text)} không phải ngày hợp lệ: {when} có {limit} ngày")


def parse_date(value: object) -> date:
    """dd/mm/yyyy (as Vietnamese documents write dates), or an ISO date, within bounds."""
    if isinstance(value, datetime):  # YAML's timestamp: the day is what was meant
        return bounds.check_date(value.date())
    if isinstance(value, date):
        return bounds.check_date(value)
    text = scalar(value)
    if m := _DATE.match(text):
        d, mo, y = (int(g) for g in m.groups())
    elif m := _ISO.match(text):
        y, mo, d = (int(g) for g in m.groups())
    else:
        raise ValueError(f"{shown(text)} không phải ngày dạng dd/mm/yyyy")
    _check_day(d, mo, y, text)
    return bounds.check_date(date(y, mo, d))


def parse_day_month(text: str) -> DayMonth:
    m = _DAY_MONTH.match(text)
    if not m:
        raise ValueError(f"{shown(text)} không phải ngày dạng dd/mm")
    d, mo = int(m.group(1)), int(m.group(2))
    _check_day(d, mo, None, text)
    return DayMonth(d, mo)


def parse_time(value: object) -> time:
    text = scalar(value)
    m = _TIME.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{shown(text)} không phải giờ dạng HH:MM (ví dụ 08:00)")
    return time(int(m.group(1)), int(m.group(2)))


def parse_working_hours(value: object) -> WorkingHours:
    parts = scalar(value).split("-")
    if len(parts) != 2:
        raise ValueError(
            f"{shown(value)} không phải khung giờ dạng HH:MM-HH:MM (ví dụ 07:30-17:00)"
        )
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if start >= end:
        raise ValueError(f"'{value}': giờ bắt đầu phải trước giờ kết thúc")
    return WorkingHours(start, end)


def _strip_prefix(text: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in sorted(prefixes, key=len, reverse=True):
        if text.startswith(prefix + " ") or text == prefix:
            return text[len(prefix) :].strip()
    return None


def _strip_suffix(text: str, suffixes: tuple[str, ...]) -> tuple[str, bool]:
    for suffix in suffixes:
        if text.endswith(" " + suffix):
            return text[: -len(suffix)].strip(), True
    return text, False


def parse_due(value: object, slot: str = "") -> DueRule:
    """A due rule as written: "before 15/06", "by 15/06", "trước ngày 15/6",
    "before 15/01 next year", "before 25/02/2017", "before day 20", "before day 5 next month".
    """
    raw = " ".join(scalar(value).split())
    text = raw.lower()
    body = _strip_prefix(text, _BEFORE)
    inclusive = False
    if body is None:
        body = _strip_prefix(text, _BY)
        inclusive = True
    if not body:
        raise ValueError(
            f"{shown(raw)} không phải hạn nộp; viết 'before 15/06' (trước ngày) hoặc 'by 15/06' "
            "(chậm nhất ngày)"
        )
    if _DATE.match(body):
        return DueRule(raw, inclusive, slot, exact=parse_date(body))
    body, next_year = _strip_suffix(body, _NEXT_YEAR)
    if _DAY_MONTH.match(body):
        dm = parse_day_month(body)
        return DueRule(raw, inclusive, slot, on=DayMonth(dm.day, dm.month, int(next_year)))
    body, next_month = _strip_suffix(body, _NEXT_MONTH)
    day_text = body.removeprefix("day ").removeprefix("ngày ").strip()
    if day_text.isdigit() and not next_year:
        day = int(day_text)
        if not 1 <= day <= 31:
            raise ValueError(f"{shown(raw)}: không có ngày {day} trong tháng")
        return DueRule(raw, inclusive, slot, day_of_month=day, month_offset=int(next_month))
    raise ValueError(
        f"không hiểu hạn nộp {shown(raw)}; ví dụ: 'before 15/06', 'by 15/01 next year', "
        "'before 25/02/2017', 'before day 20', 'before day 5 next month'"
    )


def parse_offset(value: object) -> ReminderOffset:
    text = scalar(value)
    m = _OFFSET.match(text)
    if not m:
        raise ValueError(f"{shown(text)} không phải mốc nhắc; ví dụ: -7d, -2w, 0d, -1d@14:00")
    amount = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
    at = parse_time(m.group(3)) if m.group(3) else None
    if amount > 0:
        raise ValueError(
            f"mốc nhắc {shown(text)} nằm sau hạn nộp; nhắc sau hạn thuộc về escalation"
        )
    bounds.check_span(timedelta(days=amount), "mốc nhắc", text)
    return ReminderOffset(amount, at)


def parse_duration(value: object) -> timedelta:
    text = scalar(value)
    m = _DURATION.match(text)
    if not m:
        raise ValueError(f"{shown(text)} không phải khoảng thời gian; ví dụ: 12h, 1d, 2w")
    amount = int(m.group(1))
    unit = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}
    return bounds.check_span(amount * unit[m.group(2)], "khoảng thời gian", text)


def parse_range(value: object) -> tuple[DayMonth, DayMonth]:
    parts = scalar(value).split("-")
    if len(parts) != 2:
        raise ValueError(f"{shown(value)} không phải khoảng ngày dạng dd/mm - dd/mm")
    return parse_day_month(parts[0].strip()), parse_day_month(parts[1].strip())


def check_id(value: object) -> str:
    return bounds.check_id(scalar(value))


def check_email(value: object) -> str:
    text = scalar(value, 320).strip()
    if not _EMAIL.match(text):
        raise ValueError(f"{shown(text)} không phải địa chỉ email")
    return text


_PHONE = re.compile(r"^\+?[0-9(][0-9 .()-]{5,23}$")


def check_phone(value: object) -> str:
    """A telephone number as people write it: 0912 345 678, (024) 3825 1234, +84 24 ..."""
    text = " ".join(str(value).split())
    digits = sum(c.isdigit() for c in text)
    if not _PHONE.match(text) or not 6 <= digits <= 15:
        raise ValueError(f"'{text}' không phải số điện thoại (6-15 chữ số)")
    return text


CHANNELS = ("email", "telegram", "zalo")


def check_channels(value: object) -> tuple[str, ...]:
    """A preferred channel order: `[zalo, email]` (or `zalo, email`), each named once."""
    items = value if isinstance(value, list) else scalar(value).split(",")
    names = [scalar(item).strip().lower() for item in items]
    if not names or not all(names):
        raise ValueError("phải liệt kê ít nhất một kênh")
    for name in names:
        if name not in CHANNELS:
            raise ValueError(f"kênh {shown(name)} không có")
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"kênh {shown(name)} ghi hai lần")
    return tuple(names)


def check_telegram(value: object) -> str:
    text = scalar(value).strip()
    if not _TELEGRAM.match(text):
        raise ValueError(f"{shown(text)} không phải tên Telegram (5-32 ký tự chữ, số, '_')")
    return text if text.startswith("@") else "@" + text
