"""Vietnamese date and period expressions, found in folded text (see `normalise.fold`).

Recognises the forms administrative documents use: "15/6", "25/02/2017", "ngày 20 tháng 7
năm 2022", "ngày 15 hằng tháng", "ngày 10 tháng đầu quý sau", "15/01 năm sau", "tháng 6",
"Quý II/2011", year ranges "2011 - 2020" (programme periods, never dates), and the OCR
damage seen in scans: "516" for "5/6", "l5/O6" for "15/06". A damaged or incomplete
expression is returned with its `problem` and its `candidates`, never silently repaired.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DayMonthYear:
    day: int
    month: int
    year: int | None = None

    def label(self) -> str:
        base = f"{self.day:02d}/{self.month:02d}"
        return base if self.year is None else f"{base}/{self.year}"


@dataclass(frozen=True, slots=True)
class TimeExpr:
    """One time expression; `start`/`end` index the folded (and normalised) text."""

    kind: str
    """date | day_rel | month | quarter | year_range"""
    start: int
    end: int
    day: int | None = None
    month: int | None = None
    year: int | None = None
    year_offset: int = 0
    """+1 for "năm sau" (next year), -1 for "năm trước" (previous year)."""
    quarter: int | None = None
    relative: str | None = None
    """For day_rel: every_month | month_next | quarter_last_month | quarter_next_month."""
    problem: str | None = None
    """ocr | no_month | invalid: the expression cannot be read as written."""
    candidates: tuple[DayMonthYear, ...] = ()
    year_end: int | None = None
    """For year_range: the last year."""

    @property
    def exact(self) -> DayMonthYear | None:
        if self.kind == "date" and self.problem is None and self.day and self.month:
            return DayMonthYear(self.day, self.month, self.year)
        return None


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_YEAR_SHIFT = r"(?P<shift>\s+(?:cua\s+)?nam\s+(?:sau|tiep\s+theo|ke\s+tiep|truoc|lien\s+truoc))?"
_YEAR = r"(?P<y>\d{4}|\d{2})"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "year_range",
        re.compile(
            r"(?<![\d/])(?P<a>(?:19|20)\d{2})\s*(?:-|den|toi)\s*(?:nam\s+)?"
            r"(?P<b>(?:19|20)\d{2})(?![\d/])"
        ),
    ),
    (
        "verbal",
        re.compile(
            r"(?P<ngay>ngay\s+)?(?<!\d)(?P<d>\d{1,2})\s+thang\s+(?P<m>\d{1,2})(?!\d)"
            r"(?:\s*(?:,\s*)?(?:nam\s+|/\s*)(?P<y>\d{4}))?" + _YEAR_SHIFT
        ),
    ),
    (
        "numeric",
        re.compile(
            r"(?P<ngay>ngay\s+)?(?<![\w/.,-])(?P<d>\d{1,2})\s*(?P<sep>[/.-])\s*(?P<m>\d{1,2})"
            r"(?:\s*(?P=sep)\s*" + _YEAR + r")?(?!\w|[/.-]\d)" + _YEAR_SHIFT
        ),
    ),
    (
        "ocr_letters",
        re.compile(
            r"(?P<ngay>ngay\s+)(?P<d>[\doli]{1,2})\s*/\s*(?P<m>[\doli]{1,2})"
            r"(?:\s*/\s*(?P<y>\d{4}))?(?![\w])" + _YEAR_SHIFT
        ),
    ),
    ("ocr_run", re.compile(r"(?P<ngay>ngay\s+)(?P<run>\d{3,4})(?![\d/.-]|\s+thang\s+\d)")),
    (
        "day_rel",
        re.compile(
            r"(?P<ngay>ngay\s+)(?P<d>\d{1,2})(?![\d/]|[.-]\d)(?P<rel>\s+(?:cua\s+)?(?:"
            r"(?P<every>hang\s+thang)"
            r"|(?P<qnext>thang\s+(?:dau\s+(?:tien\s+)?)?(?:cua\s+)?quy\s+(?:sau|tiep\s+theo|ke\s+tiep))"
            r"|(?P<qlast>thang\s+cuoi\s+(?:cua\s+)?quy)"
            r"|(?P<mnext>thang\s+(?:sau|tiep\s+theo|ke\s+tiep))))?"
        ),
    ),
    (
        "quarter",
        re.compile(
            r"(?<!\w)quy\s+(?P<q>iv|iii|ii|i|[1-4])(?!\w)"
            r"(?:\s*(?:/\s*|nam\s+)(?P<y>\d{4}))?"
        ),
    ),
    (
        "month",
        re.compile(
            r"(?<!\d\s)(?<!\w)thang\s+(?P<m>\d{1,2})(?!\d)"
            r"(?:\s*(?:/\s*|nam\s+)(?P<y>\d{4}))?(?![\d/])"
        ),
    ),
)


def _valid(day: int, month: int, year: int | None = None) -> bool:
    if not (1 <= month <= 12 and day >= 1):
        return False
    return day <= calendar.monthrange(year if year else 2000, month)[1]


def _year(raw: str | None) -> int | None:
    if not raw:
        return None
    value = int(raw)
    return value + 2000 if value < 100 else value


def _shift(raw: str | None) -> int:
    if not raw:
        return 0
    return -1 if "truoc" in raw else 1


def ocr_candidates(run: str) -> tuple[DayMonthYear, ...]:
    """Readings of a digit run where OCR lost the slash: "516" -> 5/6, "1112" -> 1/12, 11/2."""
    found: list[DayMonthYear] = []
    for i in range(1, len(run) - 1):  # "/" read as "1"
        if run[i] == "1" and _valid(int(run[:i]), int(run[i + 1 :])):
            found.append(DayMonthYear(int(run[:i]), int(run[i + 1 :])))
    for i in range(1, len(run)):  # "/" dropped
        if _valid(int(run[:i]), int(run[i:])):
            found.append(DayMonthYear(int(run[:i]), int(run[i:])))
    unique: list[DayMonthYear] = []
    for cand in found:
        if cand not in unique:
            unique.append(cand)
    return tuple(unique)


def _fix_letters(raw: str) -> str:
    return raw.replace("o", "0").replace("l", "1").replace("i", "1")


def _from_match(kind: str, m: re.Match[str]) -> TimeExpr | None:
    g = m.groupdict()
    start, end = m.start(), m.end()
    if kind == "year_range":
        a, b = int(g["a"]), int(g["b"])
        return TimeExpr("year_range", start, end, year=a, year_end=b) if a < b else None
    if kind == "quarter":
        return TimeExpr("quarter", start, end, quarter=_ROMAN[g["q"]], year=_year(g["y"]))
    if kind == "month":
        month = int(g["m"])
        return (
            TimeExpr("month", start, end, month=month, year=_year(g["y"]))
            if 1 <= month <= 12
            else None
        )
    has_ngay = bool(g.get("ngay"))
    if kind == "ocr_run":
        return TimeExpr("date", start, end, problem="ocr", candidates=ocr_candidates(g["run"]))
    if kind == "day_rel":
        day = int(g["d"])
        if not 1 <= day <= 31:
            return None
        if not g.get("rel"):
            return TimeExpr("date", start, end, day=day, problem="no_month")
        relative = next(r for r in ("every", "qnext", "qlast", "mnext") if g.get(r))
        names = {
            "every": "every_month",
            "qnext": "quarter_next_month",
            "qlast": "quarter_last_month",
            "mnext": "month_next",
        }
        return TimeExpr("day_rel", start, end, day=day, relative=names[relative])
    raw_d, raw_m = g["d"], g["m"]
    problem = None
    if kind == "ocr_letters":
        raw_d, raw_m = _fix_letters(raw_d), _fix_letters(raw_m)
        if not (raw_d.isdigit() and raw_m.isdigit()):
            return None
        problem = "ocr"
    day, month, year = int(raw_d), int(raw_m), _year(g.get("y"))
    if kind == "numeric" and g["sep"] in ".-" and not has_ngay and year is None:
        return None  # "7.3" is a target number, "8-3" is not written as a date without "ngày"
    if year is not None and not 1900 <= year <= 2100:
        return None
    if not _valid(day, month, year):
        return TimeExpr("date", start, end, problem="invalid") if has_ngay else None
    if problem == "ocr":
        cand = (DayMonthYear(day, month, year),)
        return TimeExpr("date", start, end, problem="ocr", candidates=cand)
    return TimeExpr(
        "date", start, end, day=day, month=month, year=year, year_offset=_shift(g.get("shift"))
    )


def find_time_exprs(folded: str) -> list[TimeExpr]:
    """All time expressions in `folded`, leftmost first, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[TimeExpr] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            expr = _from_match(kind, m)
            if expr is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(expr)
    found.sort(key=lambda e: e.start)
    return found
