"""A calendar's plan for a year, as `hanchot plan` shows it: every cycle with its due
date as written, the legal end and why it moved, the other reading, the data window,
the reminders and escalations, and the units expected to report (within the scope), a
successor named with the units it reports for, and the units that owe nothing and why."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from activities.calendars import published
from deadlines import bounds
from deadlines.plan import PlanEntry, due_vi, reading_vi, shift_reason, year_plan
from deadlines.vi import fmt_date, fmt_day, fmt_instant, fmt_span
from store.models import Unit
from store.scopes import visible_calendars
from store.web_users import SessionUser
from web.deps import DB, UserScope, render, require
from web.formatting import TZ
from web.params import Year
from web.routes.common import export_or
from web.tables import Table

router = APIRouter()
VIEW = Depends(require("view"))


def facts(entry: PlanEntry, tz: ZoneInfo) -> dict[str, str]:
    c = entry.cycle
    written = f"{due_vi(c.due_text)} ({fmt_date(c.nominal)})" if c.due_text else "hết đợt"
    return {
        "written": written,
        "reading": reading_vi(c),
        "legal_end": fmt_day(c.legal_end),
        "shift": shift_reason(c),
        "other": fmt_date(c.other_reading_legal_end)
        if c.other_reading_legal_end and c.other_reading_legal_end != c.legal_end
        else "",
        "data_window": fmt_span(c.data_window) if c.data_window else "",
        "campaign": fmt_span(c.campaign_window) if c.campaign_window else "",
        "reminders": "; ".join(
            fmt_instant(r.at, tz)
            + (f" (dời vì {r.deferred_because})" if r.deferred_because else "")
            for r in c.reminders
        ),
        "escalations": "; ".join(
            f"{fmt_instant(s.at, tz)} → {s.to.label_vi()}" for s in c.escalations
        ),
    }


@router.get("/plan", response_model=None)
def plan_page(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str | None = None,
    year: Year = None,
    format: str | None = None,
    user: SessionUser = VIEW,
) -> Response:
    calendars = visible_calendars(session, scope)
    chosen = next((c for c in calendars if c.key == calendar), calendars[0] if calendars else None)
    this = datetime.now(TZ).year
    year = year if year is not None and bounds.FIRST_YEAR <= year <= bounds.LAST_YEAR else this
    entries: list[tuple[PlanEntry, dict[str, str], str]] = []
    if chosen is not None:
        model = published(session, chosen.key)  # the revision in force, as the engine
        root_row = session.get(Unit, scope.root_unit_id) if scope.root_unit_id else None
        root = root_row.key if root_row is not None else None
        tz = ZoneInfo(model.organisation.timezone)
        for entry in year_plan(model, year, unit=root):
            obligation = model.obligation(entry.cycle.obligation_id)
            entries.append((entry, facts(entry, tz), obligation.name))

    def table() -> Table:
        t = Table(
            f"ke-hoach-{year}",
            f"Kế hoạch {year}",
            [
                "Mã đơn vị",
                "Đơn vị",
                "Nghĩa vụ báo cáo",
                "Kỳ",
                "Hạn theo văn bản",
                "Cách hiểu",
                "Hạn cuối",
                "Lý do dời hạn",
                "Hạn cuối nếu hiểu cách khác",
                "Số liệu tính từ",
                "Đợt cao điểm",
                "Nhắc việc",
                "Đôn đốc khi quá hạn",
            ],
        )
        for entry, f, name in entries:
            for owed in entry.owed:
                t.add(
                    owed.unit.id,
                    owed.name_vi(),
                    name,
                    entry.cycle.period.label_vi(),
                    f["written"],
                    f["reading"],
                    f["legal_end"],
                    f["shift"],
                    f["other"],
                    f["data_window"],
                    f["campaign"],
                    f["reminders"],
                    f["escalations"],
                )
        return t

    years = list(range(this - 2, this + 3))
    return export_or(format, table) or render(
        request,
        "plan.html",
        calendars=calendars,
        calendar=chosen,
        year=year,
        years=sorted(set(years) | {year}),
        entries=entries,
    )
