"""Bounds on every date, duration, id and text a person gives hanchot, in one place.

A value typed into a calendar, a web form, a CLI argument or a bot answer is checked here
where it enters, so nothing downstream (date arithmetic, timers, the store) ever meets a
year 9999 or a 12-digit day count: that is how `plan` overflowed and an extension to
31/12/9999 was retried forever. Pure: the workflows' update validators use the same
checks. Each check raises ValueError with a Vietnamese message the person can act on.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

EARLIEST_DATE = date(1900, 1, 1)
"""A unit's founding date may be historical; nothing earlier is a plausible date."""
LATEST_DATE = date(2100, 12, 31)
"""Leaves centuries of room below `date.max` for every offset, extension and window."""
FIRST_YEAR, LAST_YEAR = 2000, 2100
"""Years a calendar may plan, simulate and restrict obligations to."""

MAX_SPAN_DAYS = 366
"""The longest reminder offset, escalation delay or opening lead a calendar may set."""
EXTENSION_MAX_DAYS = 90
"""The most days a unit may ask for in one extension request."""
EXTENSION_GRANT_MAX_DAYS = 366
"""The furthest past the current last day a coordinator may set a new last day."""
SNOOZE_MAX_HOURS = 72
LINK_MAX_HOURS = 720
"""A Telegram linking code lives at most 30 days."""

ID_MAX = 64
REQUEST_ID_MAX = 64
"""A request id: the outbox step it becomes ("extension-decision:<id>") fits 128."""
ACTOR_MAX = 255
"""Who acted ("web:<email>", "cli:<user>", a person id): the audit's actor column."""
CALENDAR_MAX_BYTES = 2_000_000
"""A calendar file: every commune of the country with its focal point is about 700 kB;
ruamel reads some 150 kB a second here, so this bound is also check's worst case (~15 s)."""
YAML_MAX_DEPTH = 20
"""Nesting of a calendar: its deepest field (obligations, one, submitters, kinds) is 5."""
YAML_MAX_NODES = 500_000
"""Values of a calendar once its aliases are expanded."""
WORKBOOK_MAX_BYTES = 5_000_000
"""An uploaded units-and-people workbook: 10,000 units with their people is about 1 MB."""
WORKBOOK_MAX_UNPACKED = 60_000_000
"""The workbook's parts once unzipped: a small zip that unpacks to gigabytes is refused."""
WORKBOOK_MAX_ROWS = 20_000
"""Rows of one sheet of that workbook (the whole country has some 3,300 communes)."""
WORKBOOK_MAX_COLUMNS = 30
"""Columns read from one sheet: the layout has 9; more are ignored, never read."""
NAME_MAX = 500
"""Names and the other one-line texts of a calendar."""
TEXT_MAX = 2000
"""Reasons, notes and a calendar's source sentences (the web forms' limit too)."""

_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_PERIOD = re.compile(r"\d{4}(?:-[A-Za-z0-9]{1,3}){0,2}")
_DAY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")

ID_HINT = "chữ thường không dấu, số, '.', '-' hoặc '_', tối đa 64 ký tự, ví dụ phong-ldtbxh"

MESSAGES = {
    "id": "mã {value} không hợp lệ",
    "deadline": "mã hạn nộp {value} không hợp lệ; dạng lich/nghia-vu/ky/don-vi, ví dụ {example}",
    "ref": "{value} không hợp lệ; dạng ma hoặc lich/ma",
    "day_form": "ngày {value} không hợp lệ, cần dạng dd/mm/yyyy",
    "day_none": "không có ngày {value} trong lịch",
    "day_range": "ngày {day} nằm ngoài khoảng {first} – {last}",
    "year": "năm {value} nằm ngoài khoảng {first}-{last}",
    "count": "{what} phải từ {low} đến {high}",
    "span": "{what} {value} dài quá {max} ngày",
    "too_long": "dài {size} ký tự, quá giới hạn {max}",
    "grant_after": "hạn mới phải sau {day}",
    "grant_far": "hạn mới {day} quá xa: tối đa {max} ngày sau hạn hiện tại ({last})",
}


def _msg(key: str, **values: object) -> ValueError:
    return ValueError(MESSAGES[key].format(**values))


def shown(value: object, limit: int = 40) -> str:
    """A person's value quoted in a message: control characters visible, never a wall."""
    text = str(value) if isinstance(value, (str, int, date)) else type(value).__name__
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    escaped = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"'{escaped}'"


def check_id(value: object) -> str:
    """An id of a calendar, unit, person, obligation: the whole value, no trailing newline."""
    text = value if isinstance(value, str) else str(value) if isinstance(value, int) else None
    if text is None or not _ID.fullmatch(text):
        raise _msg("id", value=shown(value))
    return text


def check_deadline_id(value: str) -> str:
    """`[deadline/]calendar/obligation/period/unit` as typed on the command line: the
    workflow id it names, every part checked like the calendar's own ids."""
    parts = value.removeprefix("deadline/").split("/")
    ok = len(parts) == 4 and bool(_PERIOD.fullmatch(parts[2]))
    try:
        if ok:
            [check_id(p) for p in (parts[0], parts[1], parts[3])]
    except ValueError:
        ok = False
    if not ok:
        example = "bimson-2017/bao-cao-6-thang/2025-H1/p-ba-dinh"
        raise _msg("deadline", value=shown(value, 80), example=example)
    return "deadline/" + "/".join(parts)


def check_ref(value: str) -> str:
    """`id` or `calendar/id`: a unit or a person named on the command line."""
    parts = value.split("/")
    try:
        if len(parts) > 2:
            raise ValueError
        [check_id(p) for p in parts]
    except ValueError:
        raise _msg("ref", value=shown(value)) from None
    return value


def check_text(value: str, limit: int = NAME_MAX) -> str:
    if len(value) > limit:
        raise _msg("too_long", size=f"{len(value):,}".replace(",", "."), max=limit)
    return value


def check_date(day: date) -> date:
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise _msg(
            "day_range",
            day=f"{day:%d/%m/%Y}",
            first=f"{EARLIEST_DATE:%d/%m/%Y}",
            last=f"{LATEST_DATE:%d/%m/%Y}",
        )
    return day


def parse_day(text: str) -> date:
    """dd/mm/yyyy as a person types it on the web or the command line, within bounds."""
    found = _DAY.fullmatch(text.strip())
    if found is None:
        raise _msg("day_form", value=shown(text))
    d, m, y = (int(g) for g in found.groups())
    try:
        day = date(y, m, d)
    except ValueError:
        raise _msg("day_none", value=shown(text.strip())) from None
    return check_date(day)


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _msg("year", value=year, first=FIRST_YEAR, last=LAST_YEAR)
    return year


def check_count(value: int, low: int, high: int, what: str) -> int:
    if not low <= value <= high:
        raise _msg("count", what=what, low=low, high=high)
    return value


def check_span(span: timedelta, what: str, text: str) -> timedelta:
    """A calendar's offset or delay, either sign, no longer than MAX_SPAN_DAYS."""
    if abs(span) > timedelta(days=MAX_SPAN_DAYS):
        raise _msg("span", what=what, value=shown(text), max=MAX_SPAN_DAYS)
    return span


def check_new_last_day(new: date, current: date) -> date:
    """A coordinator's new last day for an extension: after the current one, not far past."""
    if new <= current:
        raise _msg("grant_after", day=f"{current:%d/%m/%Y}")
    if new > current + timedelta(days=EXTENSION_GRANT_MAX_DAYS) or new > LATEST_DATE:
        raise _msg(
            "grant_far",
            day=f"{new:%d/%m/%Y}",
            max=EXTENSION_GRANT_MAX_DAYS,
            last=f"{current:%d/%m/%Y}",
        )
    return new
