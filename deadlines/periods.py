"""Reporting periods and the nominal due date of each, for a given year.

A period id is part of every workflow id (`deadline/{calendar}/{obligation}/{period}/{unit}`),
so its format is stable: "2025", "2025-H1", "2025-Q2", "2025-06", and the ISO date of a
one-off deadline ("2017-02-25").
"""

from __future__ import annotations

import calendar as _cal
from dataclasses import dataclass
from datetime import date

from deadlines.model import DataWindow, DayMonth, DueRule, Obligation, PeriodKind

_SLOT_MONTHS = {
    "H1": (1, 6),
    "H2": (7, 12),
    "Q1": (1, 3),
    "Q2": (4, 6),
    "Q3": (7, 9),
    "Q4": (10, 12),
}
_SLOT_LABEL_VI = {
    "H1": "6 tháng đầu năm",
    "H2": "6 tháng cuối năm",
    "Q1": "Quý I",
    "Q2": "Quý II",
    "Q3": "Quý III",
    "Q4": "Quý IV",
}
SEMIANNUAL_SLOTS = ("H1", "H2")
QUARTER_SLOTS = ("Q1", "Q2", "Q3", "Q4")


@dataclass(frozen=True, slots=True)
class Period:
    id: str
    kind: PeriodKind
    start: date
    end: date
    """Inclusive."""
    slot: str = ""

    @property
    def year(self) -> int:
        return self.start.year

    def label_vi(self) -> str:
        if self.slot in _SLOT_LABEL_VI:
            return f"{_SLOT_LABEL_VI[self.slot]} {self.year}"
        if self.kind is PeriodKind.MONTHLY:
            return f"Tháng {self.start.month:02d}/{self.year}"
        if self.kind is PeriodKind.ONE_OFF:
            return f"Đột xuất {self.end:%d/%m/%Y}"
        return f"Năm {self.year}"


def last_day_of_month(year: int, month: int) -> int:
    return _cal.monthrange(year, month)[1]


def _month_span(year: int, first: int, last: int) -> tuple[date, date]:
    return date(year, first, 1), date(year, last, last_day_of_month(year, last))


def _shift_month(year: int, month: int, offset: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + offset
    return index // 12, index % 12 + 1


def on_date(rule: DayMonth, year: int) -> date:
    """The DayMonth in `year` (plus its year offset). 29/02 falls back to 28/02."""
    y = year + rule.year_offset
    day = min(rule.day, last_day_of_month(y, rule.month))
    return date(y, rule.month, day)


def periods_in_year(obligation: Obligation, year: int) -> list[tuple[Period, DueRule | None]]:
    """Each period of `year` the obligation has, with the due rule that governs it.

    A campaign without a due rule gets None: its end is the window's last day.
    """
    if not obligation.active_in(year):
        return []
    kind = obligation.period
    by_slot = {r.slot: r for r in obligation.due}
    out: list[tuple[Period, DueRule | None]] = []
    if kind is PeriodKind.ANNUAL:
        start, end = _month_span(year, 1, 12)
        out.append((Period(str(year), kind, start, end), by_slot.get("")))
    elif kind is PeriodKind.CAMPAIGN:
        assert obligation.window is not None
        start = on_date(obligation.window[0], year)
        end = on_date(obligation.window[1], year)
        if end < start:
            end = on_date(obligation.window[1], year + 1)
        out.append((Period(str(year), kind, start, end), by_slot.get("")))
    elif kind in (PeriodKind.SEMIANNUAL, PeriodKind.QUARTERLY):
        slots = SEMIANNUAL_SLOTS if kind is PeriodKind.SEMIANNUAL else QUARTER_SLOTS
        for slot in slots:
            rule = by_slot.get(slot, by_slot.get(""))
            if rule is None:
                continue
            start, end = _month_span(year, *_SLOT_MONTHS[slot])
            out.append((Period(f"{year}-{slot}", kind, start, end, slot), rule))
    elif kind is PeriodKind.MONTHLY:
        rule = by_slot[""]
        for month in range(1, 13):
            start, end = _month_span(year, month, month)
            out.append((Period(f"{year}-{month:02d}", kind, start, end), rule))
    elif kind is PeriodKind.ONE_OFF:
        for rule in obligation.due:
            assert rule.exact is not None
            if rule.exact.year == year:
                out.append(
                    (Period(rule.exact.isoformat(), kind, date(year, 1, 1), rule.exact), rule)
                )
    return out


def nominal_date(rule: DueRule | None, period: Period) -> date:
    """The date as the document writes it ("X" in "trước ngày X")."""
    if rule is None:  # campaign without a result report: the window's last day
        return period.end
    if rule.exact is not None:
        return rule.exact
    if rule.on is not None:
        return on_date(rule.on, period.year)
    assert rule.day_of_month is not None
    y, m = _shift_month(period.end.year, period.end.month, rule.month_offset)
    return date(y, m, min(rule.day_of_month, last_day_of_month(y, m)))


def nd09_window(period: Period) -> tuple[date, date]:
    """Data cut-off window of Nghị định 09/2019/NĐ-CP Điều 12.

    A report's figures run from the 15th of the month before the period to the 14th of
    the period's last month: 6-month report 15/12 (previous year) - 14/06, annual report
    15/12 (previous year) - 14/12, quarterly and monthly alike.
    """
    y0, m0 = _shift_month(period.start.year, period.start.month, -1)
    if period.kind in (PeriodKind.ANNUAL, PeriodKind.CAMPAIGN, PeriodKind.ONE_OFF):
        y0, m0 = period.year - 1, 12
    end_month = period.end.month if period.kind is not PeriodKind.ONE_OFF else 12
    return date(y0, m0, 15), date(period.year, end_month, 14)


def data_window(window: DataWindow, period: Period) -> tuple[date, date]:
    if window.nd09:
        return nd09_window(period)
    assert window.start is not None and window.end is not None
    end = on_date(window.end, period.end.year)
    start = on_date(window.start, period.end.year)
    if start > end:
        start = on_date(window.start, period.end.year - 1)
    return start, end
