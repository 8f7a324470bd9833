"""A unit's page: who answers for it, every deadline it has, the full timeline of what
happened to them (reminders, escalations, replies, extensions, submissions) with the
evidence files, and the coordinator's actions: excuse, reopen, and record a submission
on the unit's behalf (`?record=<workflow id>` shows that form; web.routes.record)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from activities.calendars import published
from store import queues, unit_history
from store.models import Unit
from store.web_users import SessionUser
from web import gateway as gw
from web.deps import DB, AppState, NotFound, State, UserScope, actor, can, render, require
from web.formatting import due_day
from web.params import Id, IdQuery
from web.routes.common import export_or
from web.tables import Table

router = APIRouter()
VIEW = Depends(require("view"))
EVIDENCE = Depends(require("evidence"))
DECIDE = Depends(require("decide"))
MESSAGES = {
    "excused": "Đã miễn nộp cho đơn vị trong kỳ này.",
    "reopened": "Đã mở lại hạn nộp.",
    "recorded": "Đã ghi nhận báo cáo của đơn vị.",
    "recorded_message": "Đã ghi nhận báo cáo của đơn vị; tin cách ly đã được đánh dấu đã xử lý.",
}


@dataclass(frozen=True, slots=True)
class Succession:
    """A merger as the revision in force describes it (rows keep no successor): the unit
    whose reports this closed unit's go to, and the closed units this one reports for."""

    closed: date | None
    successor: Unit | None
    """None when the unit was closed with no successor (its reports are owed by no one)."""
    carries: list[Unit]


def succession(session: DB, unit: Unit) -> Succession | None:
    try:
        model = published(session, unit.calendar.key)
    except LookupError:
        return None
    this = model.units_by_id.get(unit.key)
    if this is None:
        return None
    before = [u.id for u in model.units if u.successor == unit.key]
    keys = [*before, *([this.successor] if this.successor else [])]
    rows = {
        u.key: u
        for u in session.scalars(
            sa.select(Unit).where(Unit.calendar_id == unit.calendar_id, Unit.key.in_(keys))
        )
    }
    carries = [rows[k] for k in before if k in rows]
    if this.closed is None and not carries:
        return None
    return Succession(this.closed, rows.get(this.successor or ""), carries)


def unit_in_scope(session: DB, scope: UserScope, unit_id: int) -> Unit:
    unit = unit_history.unit_row(session, unit_id)
    if unit is None or not scope.allows_calendar(unit.calendar_id):
        raise NotFound
    if not queues.in_scope(session, scope, unit_id):
        raise NotFound
    return unit


@router.get("/units/{unit_id}", response_model=None)
def unit_page(
    request: Request,
    state: State,
    session: DB,
    scope: UserScope,
    unit_id: Id,
    format: str | None = None,
    table: str | None = None,
    msg: str | None = None,
    record: str | None = None,
    message: IdQuery = None,
    user: SessionUser = VIEW,
) -> Response:
    from web.routes.record import form_for  # record builds on this module's helpers

    unit = unit_in_scope(session, scope, unit_id)
    if table == "deadlines":
        deadlines = unit_history.deadlines_of(session, unit_id)
        return export_or(format, lambda: deadlines_table(unit.key, deadlines)) or render(
            request, "error.html", 404, title="Không tìm thấy", message="Không có bảng này."
        )
    exported = export_or(
        format, lambda: timeline_table(unit.key, unit_history.timeline(session, unit_id))
    )
    if exported is not None:
        return exported
    form, quarantined, asked = None, None, False
    if can(user, "decide"):  # the form and the quarantined reply are the coordinator's
        form, quarantined = form_for(state, session, scope, unit_id, record, message)
        asked = bool(record)
    return _page(
        request,
        session,
        unit,
        200,
        message=MESSAGES.get(msg or ""),
        record=form,
        record_asked=asked,
        quarantined=quarantined,
    )


def _page(request: Request, session: DB, unit: Unit, status_code: int, **context: Any) -> Response:
    context.setdefault("message", None)
    context.setdefault("error", None)
    context.setdefault("record", None)
    context.setdefault("record_asked", False)
    context.setdefault("quarantined", None)
    if context["record"] is not None and context["quarantined"] is None:
        context["quarantined"] = context["record"].message
    return render(
        request,
        "unit.html",
        status_code,
        unit=unit,
        contacts=unit_history.contacts(unit),
        succession=succession(session, unit),
        deadlines=unit_history.deadlines_of(session, unit.id),
        events=unit_history.timeline(session, unit.id),
        **context,
    )


def unit_page_response(
    request: Request, state: AppState, unit: Unit, status_code: int, **context: Any
) -> Response:
    """The unit's page again, after an action (an error, a form to fill again)."""
    with state.reader() as session:
        fresh = unit_history.unit_row(session, unit.id)  # scope: checked by the caller
        if fresh is None:
            raise NotFound
        return _page(request, session, fresh, status_code, **context)


def deadlines_table(unit_key: str, deadlines: list[unit_history.DeadlineLine]) -> Table:
    t = Table(
        f"han-nop-{unit_key}",
        "Hạn nộp",
        [
            "Nghĩa vụ",
            "Kỳ",
            "Trạng thái",
            "Hạn cuối",
            "Gia hạn đến",
            "Nộp lúc",
            "Số lần đã nhắc",
            "Số lần đôn đốc",
        ],
    )
    for d in deadlines:
        t.add(
            d.obligation_name,
            d.period_label,
            d.status.label_vi(),
            due_day(d.legal_end_at),
            due_day(d.extended_until) if d.extended_until else None,
            d.submitted_at,
            d.reminders_sent,
            d.escalations_sent,
        )
    return t


def timeline_table(unit_key: str, events: list[unit_history.Event]) -> Table:
    from web.formatting import SOURCE_VI, event_label, event_text

    t = Table(
        f"dien-bien-{unit_key}",
        "Diễn biến",
        ["Thời điểm", "Nguồn", "Sự việc", "Nghĩa vụ", "Kỳ", "Người", "Chi tiết", "Tệp"],
    )
    for e in events:
        t.add(
            e.at,
            SOURCE_VI.get(e.source, e.source),
            event_label(e.source, e.kind),
            e.deadline.obligation_name if e.deadline else None,
            e.deadline.period_label if e.deadline else None,
            e.by,
            event_text(e),
            ", ".join(f.file_name for f in e.evidence) or None,
        )
    return t


@router.get("/evidence/{evidence_id}", response_model=None)
def download_evidence(
    state: State,
    session: DB,
    scope: UserScope,
    evidence_id: Id,
    user: SessionUser = EVIDENCE,
) -> Response:
    found = unit_history.evidence_location(session, evidence_id)
    if found is None or not queues.in_scope(session, scope, found.unit_id):
        raise NotFound
    root = state.settings.data_dir.resolve()
    path = (root / found.storage_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound
    return FileResponse(
        path,
        media_type="application/octet-stream",  # never rendered by the browser
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.file_name)}",
            "Cache-Control": "private, no-store",
        },
    )


async def _act(
    request: Request,
    state: State,
    scope: UserScope,
    unit_id: int,
    workflow_id: str,
    reason: str,
    user: SessionUser,
    update: str,
) -> Response:
    def check() -> Unit:
        with state.reader() as session:
            unit = unit_in_scope(session, scope, unit_id)
            deadline = queues.deadline_in_scope(session, scope, workflow_id)
            if deadline is None or deadline.unit_id != unit_id:
                raise NotFound
            return unit

    unit = await run_in_threadpool(check)
    request_id = (
        "web-"
        + hashlib.sha256(
            f"{update}\x00{workflow_id}\x00{user.email}\x00{reason}".encode()
        ).hexdigest()[:32]
    )
    action = gw.Action(request_id, actor(user), reason.strip())
    try:
        await getattr(state.gateway, update)(workflow_id, action)
    except (gw.GatewayRefused, gw.GatewayUnavailable) as exc:
        error = exc.message if isinstance(exc, gw.GatewayRefused) else UNAVAILABLE
        return await run_in_threadpool(unit_page_response, request, state, unit, 409, error=error)
    done = "excused" if update == "excuse" else "reopened"
    return RedirectResponse(f"/units/{unit_id}?msg={done}", status_code=303)


UNAVAILABLE = "Không liên lạc được với bộ máy xử lý (Temporal). Chưa có gì thay đổi; hãy thử lại."
Reason = Annotated[str, Form(max_length=2000)]
WorkflowId = Annotated[str, Form(max_length=255)]


@router.post("/units/{unit_id}/excuse", response_model=None)
async def excuse(
    request: Request,
    state: State,
    scope: UserScope,
    unit_id: Id,
    workflow_id: WorkflowId,
    reason: Reason = "",
    user: SessionUser = DECIDE,
) -> Response:
    return await _act(request, state, scope, unit_id, workflow_id, reason, user, "excuse")


@router.post("/units/{unit_id}/reopen", response_model=None)
async def reopen(
    request: Request,
    state: State,
    scope: UserScope,
    unit_id: Id,
    workflow_id: WorkflowId,
    reason: Reason = "",
    user: SessionUser = DECIDE,
) -> Response:
    return await _act(request, state, scope, unit_id, workflow_id, reason, user, "reopen")
