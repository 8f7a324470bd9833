"""What every route needs: the app's state, a database session, the logged-in user and
his permissions, the calendar he is looking at, and a page renderer.

Permissions are by role, checked on the server for every request (a hidden button is
not a permission). Scope is checked by the queries themselves (`store.scopes.Scope`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store.base import utcnow
from store.evidence import EvidenceStore
from store.models import Calendar, WebRole
from store.scopes import Scope, scope_of, visible_calendars
from store.web_users import SessionUser, session_user
from web.gateway import WorkflowGateway
from web.security import CSRF_FIELD, SESSION_COOKIE, csrf_token
from web.settings import WebSettings

PERMISSIONS: dict[str, frozenset[WebRole]] = {
    "view": frozenset(WebRole),
    "evidence": frozenset({WebRole.COORDINATOR, WebRole.SUPERVISOR}),
    "extensions": frozenset({WebRole.COORDINATOR, WebRole.SUPERVISOR}),
    "decide": frozenset({WebRole.COORDINATOR}),
    "messages": frozenset({WebRole.COORDINATOR}),
    "accounts": frozenset({WebRole.COORDINATOR}),
    "calendar": frozenset({WebRole.COORDINATOR}),
}
"""view: tables, matrix, unit pages, plan, chart, exports. evidence: download submitted
files. extensions: read the queue. decide: approve/refuse extensions, excuse, reopen.
messages: the outbox and the quarantine (they show people's addresses). accounts: invite,
deactivate and change accounts within one's scope, send Telegram link codes, the audit log.
calendar: edit and publish calendars (web.routes.editor), within the account's scope."""


@dataclass
class AppState:
    settings: WebSettings
    gateway: WorkflowGateway
    engine: Engine
    reader: sessionmaker[Session]
    writer: sessionmaker[Session]
    templates: Jinja2Templates
    evidence: EvidenceStore
    clock: Callable[[], datetime] = field(default=utcnow)
    """The current instant: what "today" and "in the future" mean for dates people enter."""


class LoginRequired(Exception):
    pass


class Forbidden(Exception):
    pass


class NotFound(Exception):
    pass


def app_state(request: Request) -> AppState:
    state: AppState = request.app.state.hanchot
    return state


State = Annotated[AppState, Depends(app_state)]


def db(state: State) -> Iterator[Session]:
    with state.reader() as session:
        yield session


DB = Annotated[Session, Depends(db)]


def current_user(request: Request, state: State) -> SessionUser:
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    with state.reader() as session:
        user = session_user(session, token)
    if user is None:
        raise LoginRequired
    request.state.user = user
    return user


User = Annotated[SessionUser, Depends(current_user)]


def can(user: SessionUser, permission: str) -> bool:
    return user.role in PERMISSIONS[permission]


def require(permission: str) -> Callable[..., SessionUser]:
    def dependency(user: User) -> SessionUser:
        if not can(user, permission):
            raise Forbidden
        return user

    return dependency


def user_scope(user: User, session: DB) -> Scope:
    return scope_of(session, user.scope_unit_id)


UserScope = Annotated[Scope, Depends(user_scope)]


def pick_calendar(session: Session, scope: Scope, key: str | None) -> Calendar | None:
    """The calendar asked for (if visible), else the first visible one."""
    calendars = visible_calendars(session, scope)
    for calendar in calendars:
        if calendar.key == key:
            return calendar
    return calendars[0] if calendars else None


def actor(user: SessionUser) -> str:
    """How a dashboard user is named in workflow histories and the audit log."""
    return f"web:{user.email}"


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    state = app_state(request)
    user = getattr(request.state, "user", None)
    context.setdefault("user", user)
    context["csrf_token"] = csrf_token(
        state.settings.secret, request.state.csrf_cookie, request.cookies.get(SESSION_COOKIE, "")
    )
    context["csrf_field"] = CSRF_FIELD
    context["can"] = (lambda p: can(user, p)) if user is not None else (lambda p: False)
    context["request"] = request
    return state.templates.TemplateResponse(request, name, context, status_code=status_code)
