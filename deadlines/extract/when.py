"""When a proposed obligation is due, read from its deadline anchor: due rules, a
campaign's window, the year written with the date, and the flags the reading raises.

Apart from `propose` because it is about dates alone: given the anchor, the period and
the name already found, it turns the date into `DueRule`s (slot, "next year", exact date)
and never looks at the sentence's parties or structure, only at the words around the
anchor that name a quarter or a half-year.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from deadlines.extract import flags as F
from deadlines.extract.normalise import fold
from deadlines.extract.rules import NAME_YEAR, QUARTER_WORD, SEMESTER_HALF, Anchor
from deadlines.extract.types import Flag
from deadlines.extract.vndates import DayMonthYear, TimeExpr
from deadlines.model import DayMonth, DueRule, PeriodKind

When = tuple[tuple[DueRule, ...], tuple[DayMonth, DayMonth] | None, int | None, list[Flag]]


def read_when(
    anchor: Anchor,
    words: str,
    period: PeriodKind | None,
    raw_name: str | None,
    *,
    folded: str,
    left: int,
    doc_year: int | None,
) -> When:
    """Due rules, campaign window, the year written with the date, and flags.

    `words` are the anchor's words as written, `folded` the sentence folded, `left` where
    the anchor's clause starts in it, `doc_year` the year the document was issued.
    """
    expr, flags = anchor.expr, list[Flag]()
    verb = "by" if anchor.inclusive else "before"
    if anchor.kind == "window":
        start, until = expr.exact, anchor.until.exact if anchor.until else None
        if start is None or until is None:
            return (), None, None, [F.missing("window")]
        window = (DayMonth(start.day, start.month), DayMonth(until.day, until.month))
        if expr.year:
            flags.append(F.year_stated(expr.year))
        return (), window, expr.year, [*flags, F.campaign_report()]
    if anchor.kind == "task":
        last = _last_day(expr, doc_year)
        flags.append(F.no_exact_date(words, last))
        return (), None, expr.year, flags
    if expr.kind == "day_rel":
        offset = 1 if expr.relative in ("month_next", "quarter_next_month") else 0
        text = f"{verb} day {expr.day}" + (" next month" if offset else "")
        rule = DueRule(
            text=text, inclusive=anchor.inclusive, day_of_month=expr.day, month_offset=offset
        )
        return (rule,), None, None, flags
    if expr.exact is None:
        readings = _readings(expr, folded, left, anchor.start)
        rules = tuple(_rule(verb, anchor, period, d, raw_name, folded) for d in readings)
        flags.append(F.unreadable_date(expr, words, readings, rules))
        return (), None, None, flags
    rule = _rule(verb, anchor, period, expr.exact, raw_name, folded, expr)
    if expr.year and period not in (None, PeriodKind.ONE_OFF):
        flags.append(F.year_stated(expr.year))
    return (rule,), None, expr.year, flags


def _rule(
    verb: str,
    anchor: Anchor,
    period: PeriodKind | None,
    when: DayMonthYear,
    raw_name: str | None,
    folded: str,
    expr: TimeExpr | None = None,
) -> DueRule:
    if period in (None, PeriodKind.ONE_OFF) and when.year:
        exact = date(when.year, when.month, when.day)
        return DueRule(text=f"{verb} {exact:%d/%m/%Y}", inclusive=anchor.inclusive, exact=exact)
    shift = expr.year_offset if expr else 0
    name_year = NAME_YEAR.search(fold(raw_name or ""))
    if not shift and when.year and name_year and when.year == int(name_year["y"]) + 1:
        shift = 1
    slot = _slot(period, when, anchor, folded)
    text = f"{verb} {when.day:02d}/{when.month:02d}" + (" next year" if shift > 0 else "")
    return DueRule(
        text=text,
        inclusive=anchor.inclusive,
        slot=slot,
        on=DayMonth(when.day, when.month, max(shift, 0)),
    )


def _slot(period: PeriodKind | None, when: DayMonthYear, anchor: Anchor, folded: str) -> str:
    context = folded[max(0, anchor.start - 120) : anchor.end + 40]
    if period is PeriodKind.SEMIANNUAL:
        half = SEMESTER_HALF.search(context)
        if half:
            return "H1" if half["half"] == "dau" else "H2"
        return "H1" if 4 <= when.month <= 9 else "H2"
    if period is PeriodKind.QUARTERLY:
        named = list(QUARTER_WORD.finditer(folded, max(0, anchor.start - 120), anchor.start))
        return f"Q{F.quarter_number(named[-1]['q'])}" if named else ""
    return ""


def _last_day(expr: TimeExpr, doc_year: int | None) -> date | None:
    year = expr.year or doc_year
    if year is None:
        return None
    month = expr.month if expr.kind == "month" and expr.month else 3 * (expr.quarter or 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def _readings(expr: TimeExpr, folded: str, left: int, end: int) -> list[DayMonthYear]:
    """What a damaged date could be: OCR candidates, or a dayless date in a named month."""
    if expr.problem in ("ocr", "invalid"):
        return list(expr.candidates)
    if expr.problem == "no_month" and expr.day:
        months = re.findall(r"(?<!\w)thang\s+(\d{1,2})(?![\d/])", folded[:end])
        return [DayMonthYear(expr.day, int(m)) for m in dict.fromkeys(months) if 1 <= int(m) <= 12]
    return []
