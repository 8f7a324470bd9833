"""The cycles overview (expected, submitted, on time, missing and the rates, per cycle),
one cycle's breakdown by unit kind and parent unit, and the rates chart."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from deadlines import present
from deadlines.expected import DeadlineStatus, Rates
from store import dashboard
from store.base import utcnow
from store.models import Cycle, Obligation
from store.next_steps import NextStep, next_steps
from store.scopes import unit_tree
from store.web_users import SessionUser
from web.chart import chart_of
from web.deps import DB, NotFound, UserScope, render, require
from web.params import Id, Year
from web.routes.common import export_or, select
from web.tables import Percent, Table, Value

router = APIRouter()
VIEW = Depends(require("view"))


def _rates_row(rates: Rates) -> list[Value]:
    return [
        rates.expected,
        rates.submitted,
        rates.on_time,
        rates.missing,
        rates.excused,
        Percent(rates.reporting_rate),
        Percent(rates.on_time_rate),
    ]


RATE_HEADERS = [
    "Phải nộp",
    "Đã nộp",
    "Đúng hạn",
    "Chưa nộp",
    "Được miễn",
    "Tỷ lệ báo cáo",
    "Tỷ lệ đúng hạn",
]


@router.get("/", response_model=None)
def overview(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str | None = None,
    year: Year = None,
    format: str | None = None,
    user: SessionUser = VIEW,
) -> Response:
    sel = select(session, scope, calendar, year)
    rows = (
        dashboard.overview(session, sel.calendar.id, scope, sel.year)
        if sel.calendar is not None and sel.year is not None
        else []
    )

    def table() -> Table:
        t = Table(
            f"ky-bao-cao-{sel.year}",
            f"Kỳ báo cáo {sel.year}",
            ["Nghĩa vụ báo cáo", "Kỳ", "Hạn cuối", "Trạng thái kỳ", *RATE_HEADERS],
        )
        for r in rows:
            c = r.cycle
            due = present.last_day(c.legal_end_at)  # the last day, not the exclusive instant
            t.add(
                c.obligation_name,
                c.period_label,
                due,
                "Đã đóng" if c.closed else "Đang mở",
                *_rates_row(r.rates),
            )
        return t

    upcoming = next_steps(session, [r.cycle.id for r in rows], utcnow())
    return export_or(format, table) or render(
        request,
        "overview.html",
        sel=sel,
        rows=[CycleRow.of(r, upcoming.get(r.cycle.id)) for r in rows],
        total=sum_rates(rows),
        overdue_total=sum(r.counts.get(DeadlineStatus.OVERDUE, 0) for r in rows),
    )


@dataclass(frozen=True)
class CycleRow:
    """One overview line: the cycle, its rates, and what is still owed (so the page can
    lead with what is overdue, and never say "open" alone when every unit is late)."""

    cycle: dashboard.CycleInfo
    rates: Rates
    overdue: int
    owing: int
    next_step: NextStep | None
    """What happens next to the units still owing (None when nobody owes anything)."""

    @classmethod
    def of(cls, summary: dashboard.CycleSummary, upcoming: NextStep | None) -> CycleRow:
        owing = sum(n for status, n in summary.counts.items() if not status.is_settled)
        overdue = summary.counts.get(DeadlineStatus.OVERDUE, 0)
        shown = upcoming if owing and not summary.cycle.closed else None
        return cls(summary.cycle, summary.rates, overdue, owing, shown)


def sum_rates(rows: list[dashboard.CycleSummary]) -> Rates | None:
    if not rows:
        return None
    total = rows[0].rates
    for r in rows[1:]:
        total = total + r.rates
    return total


@router.get("/cycles/{cycle_id}", response_model=None)
def cycle_page(
    request: Request,
    session: DB,
    scope: UserScope,
    cycle_id: Id,
    format: str | None = None,
    user: SessionUser = VIEW,
) -> Response:
    found = session.get(Cycle, cycle_id)
    obligation = session.get(Obligation, found.obligation_id) if found is not None else None
    if obligation is None:
        raise NotFound
    calendar_id = obligation.calendar_id
    if not scope.allows_calendar(calendar_id):
        raise NotFound
    info = dashboard.cycles_of(session, calendar_id, cycle_id=cycle_id)[0]
    tree = unit_tree(session, calendar_id, scope)
    kinds, parents = dashboard.breakdowns(session, cycle_id, tree)
    counts = dashboard.status_counts(session, [cycle_id], scope).get(cycle_id)
    if not counts:
        raise NotFound
    rates = dashboard.rates_of(counts)
    if not info.counted:  # a campaign with no result report: nobody owed anything
        rates, kinds, parents = dashboard.NONE_OWED, [], []

    def table() -> Table:
        t = Table(
            f"ky-{info.obligation_key}-{info.period}",
            f"{info.period_label}",
            ["Nhóm", "Theo", *RATE_HEADERS],
        )
        t.add("Toàn kỳ", "", *_rates_row(rates))
        for b in kinds:
            t.add(present.kind_text(b.label), "Loại đơn vị", *_rates_row(b.rates))
        for b in parents:
            t.add(b.label, "Đơn vị cấp trên", *_rates_row(b.rates))
        return t

    return export_or(format, table) or render(
        request,
        "cycle.html",
        info=info,
        rates=rates,
        counts=sorted(counts.items(), key=lambda kv: kv[0].value),
        overdue=counts.get(DeadlineStatus.OVERDUE, 0),
        owing=sum(n for status, n in counts.items() if not status.is_settled),
        kinds=kinds,
        parents=parents,
    )


@router.get("/chart", response_model=None)
def chart(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str | None = None,
    format: str | None = None,
    user: SessionUser = VIEW,
) -> Response:
    sel = select(session, scope, calendar, None)
    series = dashboard.rate_series(session, sel.calendar.id, scope) if sel.calendar else []

    def table() -> Table:
        t = Table(
            "ty-le-theo-ky",
            "Tỷ lệ theo kỳ",
            ["Nghĩa vụ báo cáo", "Kỳ", "Mã kỳ", *RATE_HEADERS],
        )
        for s in series:
            for p in s.points:
                t.add(s.obligation_name, p.cycle.period_label, p.cycle.period, *_rates_row(p.rates))
        return t

    charts = [(s, chart_of(s)) for s in series]
    return export_or(format, table) or render(request, "chart.html", sel=sel, charts=charts)
