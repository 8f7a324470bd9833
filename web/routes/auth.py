"""Login and logout. A session is a random token in an HttpOnly cookie; the database
keeps its hash. Wrong email and wrong password get the same answer in the same time."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from store.base import utcnow
from store.web_users import (
    close_session,
    is_locked,
    login_failed,
    login_succeeded,
    open_session,
    purge_expired_sessions,
    user_by_email,
)
from web.deps import State, render
from web.passwords import hash_password, needs_rehash, verify_password
from web.security import SESSION_COOKIE

router = APIRouter()

WRONG = "Email hoặc mật khẩu không đúng."
LOCKED = "Tài khoản đang tạm khóa vì đăng nhập sai nhiều lần. Hãy thử lại sau ít phút."


def safe_next(target: str | None) -> str:
    """Only a path on this site: never `//evil.example` or `https://...` (open redirect)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", next=safe_next(next), error=None, email="")


@router.post("/login", response_model=None)
def login(
    request: Request,
    state: State,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form(max_length=2048)] = "/",
) -> Response:
    now = utcnow()
    with state.writer() as session, session.begin():
        user = user_by_email(session, email)
        if user is not None and is_locked(user, now):
            verify_password(None, password)
            error = LOCKED
        elif verify_password(user.password_hash if user and user.active else None, password):
            assert user is not None
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            login_succeeded(session, user, now)
            token = secrets.token_urlsafe(32)
            purge_expired_sessions(session, now)  # housekeeping, in the login's transaction
            open_session(session, user, token, state.settings.session_lifetime, now)
            error = None
        else:
            if user is not None:
                login_failed(session, user, now)
            error = WRONG
    if error is not None:
        return render(request, "login.html", 401, next=safe_next(next), error=error, email=email)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(state.settings.session_lifetime.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=state.settings.secure_cookies,
    )
    return response


@router.post("/logout")
def logout(request: Request, state: State) -> RedirectResponse:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with state.writer() as session, session.begin():
            close_session(session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
