"""The plan of a year: every expected unit × obligation with its dates and the reasons.

This is what `hanchot plan` shows and what a cycle freezes when it opens: one CyclePlan
per obligation and period, and the units expected to report in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from deadlines.expected import NotOwed, Owed, owed_reports
from deadlines.model import Calendar, Reading, Unit
from deadlines.timeline import CyclePlan, plan_year
from deadlines.vi import fmt_date


@dataclass(frozen=True, slots=True)
class PlanEntry:
    cycle: CyclePlan
    units: tuple[Unit, ...]
    """The units that owe the report (each a deadline), for themselves or in place of the
    closed units they took over (`owed`)."""
    owed: tuple[Owed, ...] = ()
    not_owed: tuple[NotOwed, ...] = ()
    """Units that were part of the period but closed before it was due, with no successor."""


def year_plan(calendar: Calendar, year: int, unit: str | None = None) -> list[PlanEntry]:
    """Cycles of `year` with their expected units; with `unit`, only that unit's subtree."""
    keep = set(calendar.subtree(unit)) if unit is not None else None
    out: list[PlanEntry] = []
    for cycle in plan_year(calendar, year):
        obligation = calendar.obligation(cycle.obligation_id)
        owed, not_owed = owed_reports(calendar, obligation, cycle.period, cycle.last_day)
        if keep is not None:
            owed = [o for o in owed if {o.unit.id, *(u.id for u in o.instead_of)} & keep]
            not_owed = [n for n in not_owed if n.unit.id in keep]
            if not owed:
                continue
        out.append(PlanEntry(cycle, tuple(o.unit for o in owed), tuple(owed), tuple(not_owed)))
    return out


_DUE_WORDS = (
    ("before day ", "trước ngày "),
    ("by day ", "chậm nhất ngày "),
    ("before ", "trước ngày "),
    ("by ", "chậm nhất ngày "),
    (" next year", " năm sau"),
    (" next month", " tháng sau"),
)


def due_vi(text: str) -> str:
    """The due rule in Vietnamese: "before 15/06" → "trước ngày 15/06"."""
    out = text
    for english, vietnamese in _DUE_WORDS:
        if english.strip() in ("before", "by", "before day", "by day"):
            if out.lower().startswith(english):
                out = vietnamese + out[len(english) :]
        else:
            out = out.replace(english, vietnamese)
    return out


def reading_vi(cycle: CyclePlan) -> str:
    if not cycle.due_text:
        return "hết đợt"
    if cycle.reading is Reading.LITERAL:
        return "trước ngày X: hạn là hết ngày X-1"
    return "hạn là hết ngày X"


def shift_reason(cycle: CyclePlan) -> str:
    """Why the legal end differs from the last day, e.g.
    "14/06/2025 là Thứ Bảy, 15/06/2025 là Chủ nhật: dời sang ngày làm việc tiếp theo
    (BLDS 2015 Điều 148.5)", each holiday with where it comes from ("gói holidays 0.109",
    "ngày nghỉ ghi trong lịch"); empty when it does not.
    """
    if not cycle.shifted_over:
        return ""
    sources = dict(zip((d for d, _ in cycle.shifted_over), cycle.shifted_sources, strict=False))
    parts = []
    for day, why in _compress(cycle.shifted_over):
        source = sources.get(day, "")
        parts.append(f"{fmt_date(day)} là {why}" + (f" ({source})" if _named(source) else ""))
    return ", ".join(parts) + ": dời sang ngày làm việc tiếp theo (BLDS 2015 Điều 148.5)"


def _named(source: str) -> bool:
    """Weekends need no source; holidays say whether the package or the calendar set them."""
    return bool(source) and source != "cuối tuần"


def _compress(days: tuple[tuple[date, str], ...]) -> list[tuple[date, str]]:
    """Keep a long holiday readable: one entry per run of the same reason."""
    out: list[tuple[date, str]] = []
    for day, why in days:
        if out and out[-1][1] == why and why not in ("Thứ Bảy", "Chủ nhật"):
            continue
        out.append((day, why))
    return out
