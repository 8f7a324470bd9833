"""Login and logout. A session is a random token in an HttpOnly cookie; the database
keeps its hash. Wrong email and wrong password get the same answer in the same time.

The password is checked (argon2, or the same work on a dummy hash for an unknown email)
outside any transaction, at most PASSWORD_CHECKS at a time off the event loop; only then
does a short write record the outcome. Repeated failures delay where they come from
(`store.login_throttle`), never lock an account.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from store import login_throttle
from store.base import utcnow
from store.models import WebUser
from store.web_users import (
    close_session,
    login_succeeded,
    open_session,
    purge_expired_sessions,
    user_by_email,
)
from web.deps import AppState, State, render
from web.passwords import hash_password, needs_rehash, verify_password
from web.security import SESSION_COOKIE, rotate_csrf

router = APIRouter()

WRONG = "Email hoặc mật khẩu không đúng."
WAIT = "Đăng nhập sai nhiều lần. Hãy thử lại sau {wait}."
PASSWORD_CHECKS = anyio.CapacityLimiter(2)
"""argon2 takes 46 MiB and ~0.15 s of a core per check: a flood queues here, holding
neither memory nor the threads that serve other pages."""


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://...` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def _wait_text(wait: timedelta) -> str:
    seconds = max(1, int(wait.total_seconds() + 0.999))
    return f"{seconds} giây" if seconds < 120 else f"{(seconds + 59) // 60} phút"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None, email="")


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _stored_hash(
    state: AppState, email: str, address: str, now: datetime
) -> tuple[timedelta, str | None]:
    """The wait this address owes, and the account's hash (None: unknown or disabled)."""
    with state.reader() as session:
        wait = login_throttle.wait(session, email, address, now)
        user = user_by_email(session, email) if wait <= timedelta(0) else None
        return wait, user.password_hash if user is not None and user.active else None


def _record(
    state: AppState,
    email: str,
    address: str,
    stored: str | None,
    rehashed: str | None,
    now: datetime,
) -> str | None:
    """Write the outcome (`stored`: the hash the password matched, None when it did not);
    the new session's token, or None when the login failed."""
    with state.writer() as session, session.begin():
        user: WebUser | None = user_by_email(session, email) if stored else None
        if user is None or not user.active or user.password_hash != stored:
            login_throttle.failed(session, email, address, now)
            return None
        if rehashed is not None:
            user.password_hash = rehashed
        login_succeeded(session, user, now)
        login_throttle.succeeded(session, email, address, now)
        token = secrets.token_urlsafe(32)
        purge_expired_sessions(session, now)  # housekeeping, in the login's transaction
        open_session(session, user, token, state.settings.session_lifetime, now)
        return token


def _check(stored: str | None, password: str) -> tuple[bool, str | None]:
    """Whether the password matches, and its new hash when the stored one has older
    parameters (computed here, never inside the write transaction)."""
    ok = verify_password(stored, password)
    if ok and stored is not None and needs_rehash(stored):
        return ok, hash_password(password)
    return ok, None


@router.post("/login", response_model=None)
async def login(
    request: Request,
    state: State,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    now = utcnow()
    address = _address(request)
    wait, stored = await run_in_threadpool(_stored_hash, state, email, address, now)
    if wait > timedelta(0):
        error = WAIT.format(wait=_wait_text(wait))
        response: Response = render(
            request, "login.html", 429, next=safe_next(next), error=error, email=email
        )
        response.headers["Retry-After"] = str(max(1, int(wait.total_seconds() + 0.999)))
        return response
    ok, rehashed = await anyio.to_thread.run_sync(_check, stored, password, limiter=PASSWORD_CHECKS)
    token = await run_in_threadpool(
        _record, state, email, address, stored if ok else None, rehashed, now
    )
    if token is None:
        return render(request, "login.html", 401, next=safe_next(next), error=WRONG, email=email)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(state.settings.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
    )
    rotate_csrf(response, state.settings.secure_cookies)
    return response


@router.post("/logout")
def logout(request: Request, state: State) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with state.writer() as session, session.begin():
            close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    rotate_csrf(response, state.settings.secure_cookies)
    return response
