"""The quarantine: replies the engine could not match to a deadline or a person, or did
not trust. A coordinator reads one (the original message can be downloaded), then either
records the submission it was about on the unit's page (web.routes.record, which marks
it resolved) or dismisses it with a reason. Open replies are listed by default.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from store import quarantine, queues
from store.web_users import SessionUser
from web.deps import DB, NotFound, State, UserScope, actor, render, require
from web.formatting import CHANNEL_VI
from web.routes.common import export_or
from web.routes.record import original_file
from web.tables import Table

router = APIRouter()
MESSAGES = Depends(require("messages"))
DECIDE = Depends(require("decide"))
SHOW = {"open": False, "resolved": True, "all": None}
NOTICES = {
    "dismissed": "Đã bỏ qua tin; tin được chuyển sang mục đã xử lý.",
    "already": "Tin này đã được xử lý trước đó; không thay đổi gì.",
}


@router.get("/quarantine", response_model=None)
def quarantine_page(
    request: Request,
    session: DB,
    scope: UserScope,
    show: str = "open",
    format: str | None = None,
    msg: str | None = None,
    user: SessionUser = MESSAGES,
) -> Response:
    show = show if show in SHOW else "open"
    rows = queues.quarantined(session, scope, resolved=SHOW[show])

    def table() -> Table:
        t = Table(
            "tin-cach-ly",
            "Tin trả lời bị cách ly",
            [
                "Lúc nhận",
                "Kênh",
                "Người gửi",
                "Khớp với",
                "Đơn vị",
                "Lý do",
                "Tham chiếu",
                "Xử lý lúc",
                "Người xử lý",
                "Cách xử lý",
            ],
        )
        for q in rows:
            t.add(
                q.received_at,
                CHANNEL_VI.get(q.channel, q.channel),
                q.sender,
                q.person_name,
                q.unit_name,
                q.reason,
                q.raw_ref,
                q.resolved_at,
                q.resolved_by,
                q.resolution,
            )
        return t

    return export_or(format, table) or render(
        request,
        "quarantine.html",
        rows=rows,
        show=show,
        notice=NOTICES.get(msg or ""),
        error=None,
    )


@router.get("/quarantine/{message_id}/original", response_model=None)
def download_original(
    state: State,
    session: DB,
    scope: UserScope,
    message_id: int,
    user: SessionUser = MESSAGES,
) -> Response:
    """The raw message as received, if it lies under the data dir and the user may see
    the reply; always as a download, never rendered."""
    found = queues.quarantined(session, scope, resolved=None, only=message_id)
    path = original_file(state, found[0]) if found else None
    if path is None:
        raise NotFound
    name = f"tin-cach-ly-{message_id}.eml"
    return FileResponse(
        path,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
        },
    )


Reason = Annotated[str, Form(max_length=2000)]


@router.post("/quarantine/{message_id}/dismiss", response_model=None)
async def dismiss(
    request: Request,
    state: State,
    scope: UserScope,
    message_id: int,
    reason: Reason = "",
    user: SessionUser = DECIDE,
) -> Response:
    reason = reason.strip()

    def apply() -> bool | None:
        with state.writer() as session, session.begin():
            if not queues.quarantined(session, scope, resolved=None, only=message_id):
                raise NotFound
            if not reason:
                return None
            return quarantine.resolve(
                session,
                message_id,
                by=actor(user),
                action=quarantine.DISMISSED,
                resolution=f"Bỏ qua: {reason}",
                details={"reason": reason},
            )

    done = await run_in_threadpool(apply)
    if done is None:

        def page() -> Response:
            with state.reader() as session:
                return render(
                    request,
                    "quarantine.html",
                    400,
                    rows=queues.quarantined(session, scope),
                    show="open",
                    notice=None,
                    error="Hãy ghi lý do bỏ qua tin này.",
                )

        return await run_in_threadpool(page)
    return RedirectResponse(f"/quarantine?msg={'dismissed' if done else 'already'}", 303)
