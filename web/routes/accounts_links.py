"""The linking page: the focal points of a subtree, who has linked Telegram and Zalo and who
has not, and link codes sent by email to one of them or to all of a subtree in one action.

Coordinators only, within their scope (`store.link_mail`). One code links either channel;
the email says each way this deployment has (`WebSettings.link_ways`: the bot's name from
TELEGRAM_BOT_USERNAME, the OA from ZALO_OA_ID). With neither, the page says so and sends
nothing. The page was `/accounts/telegram` when codes were Telegram's alone: that address
still leads here, and still takes the send form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from store import link_mail
from store.base import utcnow
from store.enums import Channel
from store.ids import MAX_ID
from store.models import Calendar
from store.scopes import Scope, unit_tree, visible_calendars
from store.web_users import SessionUser
from web.deps import AppState, NotFound, State, UserScope, actor, pick_calendar, render, require
from web.params import IdQuery
from web.routes.accounts import unit_option

router = APIRouter()
ADMIN = Depends(require("accounts"))
PAGE = "/accounts/links"
OLD_PAGE = "/accounts/telegram"
NO_WAY = (
    "Bảng điều khiển chưa biết kênh nào để liên kết: đặt ZALO_OA_ID (mã Official Account "
    "Zalo) hoặc TELEGRAM_BOT_USERNAME (tên bot Telegram, ví dụ hanchot_bot) rồi khởi động lại."
)
SENT = "Đã gửi mã liên kết cho {n} người (thư nằm trong hộp thư đi, gửi ngay khi máy chủ thư nhận)."
NOBODY = "Không có ai để gửi: mọi cán bộ đầu mối đã chọn đều đã liên kết hoặc không có email."
WHO = {
    "unlinked": "mọi cán bộ đầu mối chưa liên kết kênh nào trong nhánh này",
    "no_zalo": "mọi cán bộ đầu mối chưa liên kết Zalo trong nhánh này",
    "no_telegram": "mọi cán bộ đầu mối chưa liên kết Telegram trong nhánh này",
    "all": "mọi cán bộ đầu mối trong nhánh này",
}
"""Who a code goes to in one action, each choice shown only where its channel is configured."""


def _picked(who: str, ways: link_mail.Ways, points: list[link_mail.FocalPoint]) -> list[int]:
    """The people a one-action send reaches."""
    if who == "no_zalo":
        return [p.person_id for p in points if not p.linked(Channel.ZALO)]
    if who == "no_telegram":
        return [p.person_id for p in points if not p.linked(Channel.TELEGRAM)]
    if who == "all":
        return [p.person_id for p in points]
    return [p.person_id for p in points if not p.linked_any(ways)]


def _choices(ways: link_mail.Ways, points: list[link_mail.FocalPoint]) -> list[dict[str, object]]:
    shown = ["unlinked"]
    if len(ways.channels) > 1:  # with one channel, "not linked on it" is "unlinked"
        shown += ["no_zalo", "no_telegram"]
    shown.append("all")
    return [{"value": w, "label": WHO[w], "n": len(_picked(w, ways, points))} for w in shown]


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
    ways = state.settings.link_ways
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
            "accounts_links.html",
            status,
            calendar=calendar,
            calendars=visible_calendars(session, scope),
            points=points,
            linked={
                c.value: sum(p.linked(c) for p in points) for c in (Channel.ZALO, Channel.TELEGRAM)
            },
            unit=str(unit or ""),
            options=options,
            ways=ways,
            zalo=Channel.ZALO in ways.channels,
            telegram=Channel.TELEGRAM in ways.channels,
            choices=_choices(ways, points),
            no_way=NO_WAY,
            message=message,
        )


@router.get(OLD_PAGE, response_model=None)
def old_page(request: Request, user: SessionUser = ADMIN) -> Response:
    """Bookmarks of the page from when it linked Telegram only."""
    query = request.url.query
    return RedirectResponse(PAGE + (f"?{query}" if query else ""), status_code=301)


@router.get(PAGE, response_model=None)
def links_page(
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


@router.post(f"{PAGE}/send", response_model=None)
@router.post(f"{OLD_PAGE}/send", response_model=None)
async def send(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: Annotated[str, Form(max_length=128)],
    unit: Annotated[str, Form(pattern=r"^\d{0,12}$")] = "",
    person: Annotated[str, Form(pattern=r"^\d{0,12}$")] = "",
    who: Annotated[str, Form(pattern="^(" + "|".join(WHO) + ")$")] = "unlinked",
    user: SessionUser = ADMIN,
) -> Response:
    """Codes to one focal point (`person`), or to the subtree's focal points as `who`
    says (not linked on any configured channel, not on Zalo, not on Telegram, all)."""
    ways = state.settings.link_ways
    root = int(unit) if unit and 1 <= int(unit) <= MAX_ID else None
    if not ways.channels:
        return await run_in_threadpool(_page, request, state, scope, calendar, root, NO_WAY, 409)
    one = int(person) if person else None

    def write() -> int:
        with state.writer() as session, session.begin():
            _, points = _points(session, scope, calendar, root)
            if one is not None:
                targets = [p for p in points if p.person_id == one]
                if not targets:
                    raise NotFound
            else:
                picked = set(_picked(who, ways, points))
                targets = [p for p in points if p.person_id in picked]
            done = link_mail.send_codes(session, targets, ways, by=actor(user), now=utcnow())
            return len(done)

    n = await run_in_threadpool(write)
    query = f"calendar={calendar}&sent={n}" + (f"&unit={root}" if root else "")
    return RedirectResponse(f"{PAGE}?{query}", status_code=303)
