"""Accounts page: who may log in under the coordinator's scope, invitations by email (role
and scope chosen from the unit tree), resend, deactivate, reactivate, change role or scope.

Every action is one store transaction with its audit entry (`store.accounts`); the
invitation's email is an outbox row the relay sends. Only coordinators, only within their
own scope: the server checks both on every request (a hidden button is no permission).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from store import account_tokens
from store import accounts as store_accounts
from store.ids import MAX_ID
from store.models import WebRole
from store.scopes import Scope, UnitNode, unit_tree, visible_calendars
from store.web_users import SessionUser, list_users
from web.deps import NotFound, State, UserScope, actor, render, require
from web.params import Id

router = APIRouter()
ADMIN = Depends(require("accounts"))
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")
MESSAGES = {
    "invited": "Đã gửi lời mời (thư nằm trong hộp thư đi, gửi ngay khi máy chủ thư nhận).",
    "resent": "Đã gửi lại lời mời; liên kết cũ không còn dùng được.",
    "deactivated": (
        "Đã khóa tài khoản: mọi phiên đăng nhập kết thúc ngay, liên kết đặt mật khẩu hết tác dụng."
    ),
    "reactivated": "Đã mở lại tài khoản.",
    "changed": "Đã đổi vai trò hoặc phạm vi; tài khoản phải đăng nhập lại.",
}
ERRORS = {
    "email": "Email không hợp lệ (ví dụ: ten@so-noi-vu.gov.vn).",
    "exists": (
        "Đã có tài khoản với email này (nếu tài khoản đã bị khóa, hãy mở lại ở danh sách dưới)."
    ),
    "scope": "Hãy chọn phạm vi: một đơn vị trong phạm vi của anh/chị.",
    "own": "Không thể khóa hoặc đổi quyền của chính mình.",
    "role": "Vai trò không hợp lệ.",
}
EVERYTHING = "all"
Scoped = Annotated[str, Form(pattern=r"^(\d{0,12}|all)$")]
"""A unit id from the scope select (`all`: every calendar; empty: none chosen)."""


@dataclass(frozen=True, slots=True)
class ScopeOption:
    value: str
    label: str
    group: str = ""
    """The calendar's name (an optgroup): units of two calendars may share a name."""


@dataclass(frozen=True, slots=True)
class AccountLine:
    id: int
    email: str
    name: str
    role: WebRole
    scope: str
    active: bool
    invited: bool
    """No password yet: the invitation has not been used."""
    invite_expires: datetime | None
    last_login_at: datetime | None
    own: bool
    scope_value: str
    """The scope select's value for this account ("" = every calendar)."""


def acting(user: SessionUser, scope: Scope) -> store_accounts.Actor:
    return store_accounts.Actor(actor(user), user.id, scope, user.name)


def scope_options(session: Session, scope: Scope) -> list[ScopeOption]:
    """Every unit the coordinator may give as a scope, as an indented tree per calendar."""
    options = [ScopeOption(EVERYTHING, "Toàn bộ (mọi lịch)")] if scope.everything else []
    for calendar in visible_calendars(session, scope):
        tree = unit_tree(session, calendar.id, scope)
        options.extend(unit_option(node, calendar.name) for node in tree.nodes if not node.removed)
    return options


def unit_option(node: UnitNode, group: str = "") -> ScopeOption:
    """A unit as a choice, indented by its depth in the tree."""
    return ScopeOption(str(node.id), "\u00a0\u00a0" * node.depth + node.name, group)


def lines(session: Session, user: SessionUser, scope: Scope) -> list[AccountLine]:
    out = []
    for account, ref in list_users(session):
        if not store_accounts.in_scope(session, scope, account.scope_unit_id):
            continue
        invited = account.password_hash is None
        token = account_tokens.pending(session, account.id) if invited else None
        name = store_accounts.scope_name(session, account.scope_unit_id)
        out.append(
            AccountLine(
                account.id,
                account.email,
                account.name,
                account.role,
                f"{name} ({ref})" if name else "Toàn bộ",
                account.active,
                invited,
                token.expires_at if token else None,
                account.last_login_at,
                account.id == user.id,
                str(account.scope_unit_id or EVERYTHING),
            )
        )
    return out


def _page(
    request: Request,
    session: Session,
    user: SessionUser,
    scope: Scope,
    status: int = 200,
    message: str | None = None,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    return render(
        request,
        "accounts.html",
        status,
        accounts=lines(session, user, scope),
        options=scope_options(session, scope),
        roles=list(WebRole),
        message=message,
        error=error,
        form=form or {"email": "", "name": "", "role": "supervisor", "scope": ""},
    )


@router.get("/accounts", response_model=None)
def accounts_page(
    request: Request,
    state: State,
    scope: UserScope,
    msg: str | None = None,
    user: SessionUser = ADMIN,
) -> Response:
    with state.reader() as session:
        return _page(request, session, user, scope, message=MESSAGES.get(msg or ""))


def unit_id(value: str) -> int | None:
    """The scope select's value as a unit id (None: every calendar); 0 names no unit (and
    so is out of every scope): nothing chosen, or a number past any id."""
    if value == EVERYTHING:
        return None
    number = int(value or 0)
    return number if 1 <= number <= MAX_ID else 0


@router.post("/accounts/invite", response_model=None)
async def invite(
    request: Request,
    state: State,
    scope: UserScope,
    email: Annotated[str, Form(max_length=320)],
    role: Annotated[str, Form(max_length=32)],
    scope_unit: Scoped = "",
    name: Annotated[str, Form(max_length=500)] = "",
    user: SessionUser = ADMIN,
) -> Response:
    email = email.strip().lower()
    form = {"email": email, "name": name.strip(), "role": role, "scope": scope_unit}
    error = None
    if not EMAIL_RE.match(email):
        error = "email"
    elif role not in {r.value for r in WebRole}:
        error = "role"

    def write() -> str | None:
        with state.writer() as session, session.begin():
            try:
                store_accounts.invite(
                    session,
                    acting(user, scope),
                    email=email,
                    name=name.strip() or email.split("@")[0],
                    role=WebRole(role),
                    scope_unit_id=unit_id(scope_unit),
                    secret=state.settings.secret,
                )
            except store_accounts.AccountExists:
                return "exists"
            except store_accounts.OutOfScope:
                return "scope"
        return None

    if error is None:
        error = await run_in_threadpool(write)
    if error is None:
        return RedirectResponse("/accounts?msg=invited", status_code=303)

    def page() -> Response:
        with state.reader() as session:
            return _page(request, session, user, scope, 422, error=ERRORS[error], form=form)

    return await run_in_threadpool(page)


@router.post("/accounts/{user_id}/change", response_model=None)
async def change(
    request: Request,
    state: State,
    scope: UserScope,
    user_id: Id,
    role: Annotated[str, Form(max_length=32)],
    scope_unit: Scoped = "",
    user: SessionUser = ADMIN,
) -> Response:
    if role not in {r.value for r in WebRole}:
        raise NotFound
    who = acting(user, scope)

    def write() -> str | None:
        with state.writer() as session, session.begin():
            try:
                store_accounts.change(session, who, user_id, WebRole(role), unit_id(scope_unit))
            except store_accounts.NoSuchAccount:
                raise NotFound from None
            except store_accounts.OutOfScope:
                return "scope"
            except store_accounts.OwnAccount:
                return "own"
        return None

    error = await run_in_threadpool(write)
    if error is None:
        return RedirectResponse(f"/accounts?msg=changed#account-{user_id}", status_code=303)

    def page() -> Response:
        with state.reader() as session:
            return _page(request, session, user, scope, 409, error=ERRORS[error])

    return await run_in_threadpool(page)


@router.post("/accounts/{user_id}/{action}", response_model=None)
async def account_action(
    request: Request,
    state: State,
    scope: UserScope,
    user_id: Id,
    action: Annotated[str, Path(pattern="^(deactivate|reactivate|resend)$")],
    user: SessionUser = ADMIN,
) -> Response:
    """Deactivate, reactivate or resend the invitation of one account in scope."""
    who = acting(user, scope)

    def write() -> str | None:
        with state.writer() as session, session.begin():
            try:
                if action == "resend":
                    store_accounts.resend_invitation(session, who, user_id, state.settings.secret)
                    return "resent"
                store_accounts.set_active(session, who, user_id, action == "reactivate")
                return "reactivated" if action == "reactivate" else "deactivated"
            except store_accounts.NoSuchAccount:
                raise NotFound from None
            except store_accounts.OwnAccount:
                return None

    done = await run_in_threadpool(write)
    if done is not None:
        return RedirectResponse(f"/accounts?msg={done}#account-{user_id}", status_code=303)

    def page() -> Response:
        with state.reader() as session:
            return _page(request, session, user, scope, 409, error=ERRORS["own"])

    return await run_in_threadpool(page)
