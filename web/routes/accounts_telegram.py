"""Telegram link codes from the dashboard: the focal points of a subtree, who has linked and
who has not, and codes sent by email to one of them or to all of a subtree in one action.

Coordinators only, within their scope (`store.link_mail`). The t.me link needs the bot's
name (TELEGRAM_BOT_USERNAME); without it the page says so and sends nothing.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from store import link_mail
from store.base import utcnow
from store.ids import MAX_ID
from store.models import Calendar
from store.scopes import Scope, unit_tree, visible_calendars
from store.web_users import SessionUser
from web.deps import AppState, NotFound, State, UserScope, actor, pick_calendar, render, require
from web.params import IdQuery
from web.routes.accounts import unit_option

router = APIRouter()
ADMIN = Depends(require("accounts"))
BOT_NAME = re.compile(r"^[A-Za-z0-9_]{5,32}$")
NO_BOT = (
    "Chưa đặt TELEGRAM_BOT_USERNAME cho bảng điều khiển: không tạo được liên kết t.me. "
    "Đặt tên bot (ví dụ hanchot_bot) rồi khởi động lại bảng điều khiển."
)
SENT = "Đã gửi mã liên kết cho {n} người (thư nằm trong hộp thư đi, gửi ngay khi máy chủ thư nhận)."
NOBODY = "Không có ai để gửi: mọi cán bộ đầu mối đã chọn đều đã liên kết hoặc không có email."


def _bot(state: AppState) -> str:
    name = state.settings.telegram_bot_username
    return name if BOT_NAME.match(name) else ""


def _root(session: Session, scope: Scope, calendar: Calendar, unit: int | None) -> Scope:
    """The subtree asked for (a unit of the calendar inside the user's scope), else the
    user's own scope on that calendar."""
    if unit is None:
        return scope if scope.root_unit_id is not None else Scope(None, None)
    if unit not in unit_tree(session, calendar.id, scope):
        raise NotFound
    return Scope(unit, calendar.id)


def _points(
    session: Session, scope: Scope, calendar_key: str | None, unit: int | None
) -> tuple[Calendar, list[link_mail.FocalPoint]]:
    calendar = pick_calendar(session, scope, calendar_key)
    if calendar is None:
        raise NotFound
    return calendar, link_mail.focal_points(
        session, calendar.id, _root(session, scope, calendar, unit)
    )


def _page(
    request: Request,
    state: AppState,
    scope: Scope,
    calendar_key: str | None,
    unit: int | None,
    message: str | None = None,
    status: int = 200,
) -> Response:
    with state.reader() as session:
        calendar = pick_calendar(session, scope, calendar_key)
        if calendar is None:
            raise NotFound
        tree = unit_tree(session, calendar.id, scope)
        unit = unit if unit in tree else None  # a unit of the calendar looked at before
        calendar, points = _points(session, scope, calendar.key, unit)
        options = [unit_option(n) for n in tree.nodes if not n.removed]
        return render(
            request,
            "accounts_telegram.html",
            status,
            calendar=calendar,
            calendars=visible_calendars(session, scope),
            points=points,
            linked=sum(p.linked for p in points),
            unit=str(unit or ""),
            options=options,
            bot=_bot(state),
            no_bot=NO_BOT,
            message=message,
        )


@router.get("/accounts/telegram", response_model=None)
def telegram_page(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: Annotated[str | None, Query(max_length=128)] = None,
    unit: IdQuery = None,
    sent: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
    user: SessionUser = ADMIN,
) -> Response:
    message = (SENT.format(n=sent) if sent else NOBODY) if sent is not None else None
    return _page(request, state, scope, calendar, unit, message)


@router.post("/accounts/telegram/send", response_model=None)
async def send(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: Annotated[str, Form(max_length=128)],
    unit: Annotated[str, Form(pattern=r"^\d{0,12}$")] = "",
    person: Annotated[str, Form(pattern=r"^\d{0,12}$")] = "",
    who: Annotated[str, Form(pattern="^(unlinked|all)$")] = "unlinked",
    user: SessionUser = ADMIN,
) -> Response:
    """Codes to one focal point (`person`), or to the subtree's focal points not yet
    linked (`who=unlinked`) or all of them (`who=all`)."""
    bot = _bot(state)
    root = int(unit) if unit and 1 <= int(unit) <= MAX_ID else None
    if not bot:
        return await run_in_threadpool(_page, request, state, scope, calendar, root, NO_BOT, 409)
    one = int(person) if person else None

    def write() -> int:
        with state.writer() as session, session.begin():
            _, points = _points(session, scope, calendar, root)
            if one is not None:
                targets = [p for p in points if p.person_id == one]
                if not targets:
                    raise NotFound
            else:
                targets = [p for p in points if who == "all" or not p.linked]
            done = link_mail.send_codes(
                session, targets, bot_username=bot, by=actor(user), now=utcnow()
            )
            return len(done)

    n = await run_in_threadpool(write)
    query = f"calendar={calendar}&sent={n}" + (f"&unit={root}" if root else "")
    return RedirectResponse(f"/accounts/telegram?{query}", status_code=303)
