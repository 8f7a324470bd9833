"""The quarantine: replies the engine could not match to a deadline or a person, or did
not trust. A coordinator reads one (the original message can be downloaded), then either
records the submission it was about on the unit's page (web.routes.record, which marks
it resolved) or dismisses it with a reason. Open replies are listed by default.

The listing is newest first, `store.quarantine.PAGE_SIZE` replies a page, paged by keyset
(`?before=` the last reply shown, never an offset) with the filter's total; an unreadable
`before` shows the first page with a notice. Exports hold the whole filter.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from deadlines.vi import fmt_count
from store import quarantine
from store.scopes import Scope
from store.web_users import SessionUser
from web.deps import DB, NotFound, State, UserScope, actor, render, require
from web.formatting import CHANNEL_VI
from web.params import Id
from web.routes.record import original_file
from web.tables import FORMATS, Table, export_response

router = APIRouter()
MESSAGES = Depends(require("messages"))
DECIDE = Depends(require("decide"))
SHOW = {"open": False, "resolved": True, "all": None}
NOTICES = {
    "dismissed": "Đã bỏ qua tin; tin được chuyển sang mục đã xử lý.",
    "already": "Tin này đã được xử lý trước đó; không thay đổi gì.",
}
BAD_CURSOR = (
    "Liên kết trang không đọc được (có thể đã bị cắt ngắn hoặc bị sửa); đang hiện các tin mới nhất."
)


@router.get("/quarantine", response_model=None)
def quarantine_page(
    request: Request,
    session: DB,
    scope: UserScope,
    show: str = "open",
    before: str | None = None,
    format: str | None = None,
    msg: str | None = None,
    user: SessionUser = MESSAGES,
) -> Response:
    show = show if show in SHOW else "open"
    if format in FORMATS:  # the whole filter, every page
        return export_response(table(quarantine.every(session, scope, resolved=SHOW[show])), format)
    cursor, bad = _cursor(before)
    return render(
        request,
        "quarantine.html",
        **_page(session, scope, show, cursor),
        notice=NOTICES.get(msg or ""),
        warning=BAD_CURSOR if bad else None,
        error=None,
    )


def table(rows: Iterable[quarantine.Quarantined]) -> Table:
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


def _cursor(before: str | None) -> tuple[quarantine.Cursor | None, bool]:
    """The page asked for, and whether `before` was unreadable (then: the first page)."""
    if not before:
        return None, False
    try:
        return quarantine.Cursor.decode(before), False
    except quarantine.BadCursor:
        return None, True


def _page(
    session: Session, scope: Scope, show: str, cursor: quarantine.Cursor | None
) -> dict[str, Any]:
    """What the template needs for one page of the listing."""
    page = quarantine.listing(session, scope, resolved=SHOW[show], before=cursor)
    if page.rows:
        summary = (
            f"Hiển thị {fmt_count(page.first)}–{fmt_count(page.last)} "
            f"trong {fmt_count(page.total)} thư"
        )
    elif cursor is not None and page.total:
        summary = f"Không còn thư nào cũ hơn (cả thảy {fmt_count(page.total)} thư)."
    else:
        summary = ""
    return {
        "rows": page.rows,
        "show": show,
        "before": cursor.encode() if cursor else "",
        "summary": summary,
        "newest_url": f"/quarantine?{urlencode({'show': show})}" if cursor else None,
        "older_url": (
            f"/quarantine?{urlencode({'show': show, 'before': page.older.encode()})}"
            if page.older
            else None
        ),
    }


@router.get("/quarantine/{message_id}/original", response_model=None)
def download_original(
    state: State,
    session: DB,
    scope: UserScope,
    message_id: Id,
    user: SessionUser = MESSAGES,
) -> Response:
    """The raw message as received, if it lies under the data dir and the user may see
    the reply; always as a download, never rendered."""
    found = quarantine.one(session, scope, message_id)
    path = original_file(state, found) if found else None
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
    message_id: Id,
    reason: Reason = "",
    show: Annotated[str, Form(max_length=16)] = "open",
    before: Annotated[str, Form(max_length=64)] = "",
    user: SessionUser = DECIDE,
) -> Response:
    """Dismiss one reply, then back to the page it was dismissed from (same filter, same
    position: the reply is gone from "open", its older neighbours stay where they were)."""
    reason = reason.strip()
    show = show if show in SHOW else "open"
    cursor, _ = _cursor(before)

    def apply() -> bool | None:
        with state.writer() as session, session.begin():
            if quarantine.one(session, scope, message_id) is None:
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
                    **_page(session, scope, show, cursor),
                    notice=None,
                    warning=None,
                    error="Hãy ghi lý do bỏ qua tin này.",
                )

        return await run_in_threadpool(page)
    back: dict[str, str] = {}
    if show != "open":
        back["show"] = show
    if cursor is not None:
        back["before"] = cursor.encode()
    back["msg"] = "dismissed" if done else "already"
    return RedirectResponse(f"/quarantine?{urlencode(back)}", 303)
