"""The extension queue: requests waiting for a decision, oldest first; a coordinator
approves (the days asked, or up to a date he sets) or refuses, through the workflow."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from deadlines import bounds, present
from store import queues
from store.web_users import SessionUser
from web import gateway as gw
from web.deps import DB, NotFound, State, UserScope, actor, render, require
from web.formatting import due_day
from web.params import Id
from web.routes.common import export_or
from web.tables import Table

router = APIRouter()
QUEUE = Depends(require("extensions"))
DECIDE = Depends(require("decide"))
MESSAGES = {"approved": "Đã đồng ý gia hạn.", "refused": "Đã từ chối gia hạn."}
UNAVAILABLE = "Không liên lạc được với bộ máy xử lý (Temporal). Chưa có gì thay đổi; hãy thử lại."
BAD_DATE = "Hạn mới (dd/mm/yyyy): {detail}."


@router.get("/extensions", response_model=None)
def queue_page(
    request: Request,
    session: DB,
    scope: UserScope,
    format: str | None = None,
    msg: str | None = None,
    user: SessionUser = QUEUE,
) -> Response:
    rows = queues.pending_extensions(session, scope)

    def table() -> Table:
        t = Table(
            "de-nghi-gia-han",
            "Đề nghị gia hạn",
            [
                "Đơn vị",
                "Nghĩa vụ",
                "Kỳ",
                "Hạn hiện tại",
                "Số ngày xin",
                "Hạn mới nếu đồng ý",
                "Lý do",
                "Người xin",
                "Lúc xin",
            ],
        )
        for r in rows:
            t.add(
                r.unit_name,
                r.obligation_name,
                r.period_label,
                due_day(r.due_at),
                r.days,
                present.asked_last_day(r.due_at, r.days),
                r.reason,
                r.requested_by,
                r.requested_at,
            )
        return t

    return export_or(format, table) or render(
        request, "extensions.html", rows=rows, message=MESSAGES.get(msg or ""), errors={}
    )


@router.post("/extensions/{request_id}/decide", response_model=None)
async def decide(
    request: Request,
    state: State,
    scope: UserScope,
    request_id: Id,
    decision: Annotated[str, Form(pattern="^(approve|refuse)$")],
    new_last_day: Annotated[str, Form(max_length=10)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
    user: SessionUser = DECIDE,
) -> Response:
    def pending() -> queues.PendingExtension:
        with state.reader() as session:
            found = queues.pending_extensions(session, scope, only=request_id)
        if not found:
            raise NotFound
        return found[0]

    row = await run_in_threadpool(pending)
    approve = decision == "approve"
    day = None
    error = None
    if approve and new_last_day.strip():
        try:
            day = bounds.parse_day(new_last_day)
        except ValueError as exc:
            error = BAD_DATE.format(detail=exc)
    if error is None:
        rid = (
            "web-ext-" + hashlib.sha256(f"{row.workflow_id}\x00{row.id}".encode()).hexdigest()[:24]
        )
        try:
            await state.gateway.decide_extension(
                row.workflow_id, gw.Decision(rid, actor(user), approve, day, note.strip() or None)
            )
        except gw.GatewayRefused as exc:
            error = exc.message
        except gw.GatewayUnavailable:
            error = UNAVAILABLE
    if error is None:
        return RedirectResponse(
            f"/extensions?msg={'approved' if approve else 'refused'}", status_code=303
        )

    def page() -> Response:
        with state.reader() as session:
            rows = queues.pending_extensions(session, scope)
        return render(
            request, "extensions.html", 409, rows=rows, message=None, errors={row.id: error}
        )

    return await run_in_threadpool(page)
