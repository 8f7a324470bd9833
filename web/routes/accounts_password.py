"""Setting a password through an emailed link (an invitation or a reset), and asking for a
reset ("Quên mật khẩu") from the login page.

The reset page answers the same whether the email has an account or not, after the same
time, and counts the request the same way in both cases (no account enumeration). It is
throttled where the requests come from (an address waits, doubling, after
RESET_ADDRESS.free requests a day) and per email (at most MAILS_PER_EMAIL reset mails a
day: a stranger cannot flood someone's mailbox through hanchot). A link works once, in
time, for an active account (`store.account_tokens`); using it ends every session of the
account.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import anyio
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from store import account_mail, account_tokens, login_throttle
from store import accounts as store_accounts
from store.base import utcnow
from store.models import WebUser
from web.deps import AppState, State, render
from web.passwords import WeakPassword, hash_password
from web.routes.auth import PASSWORD_CHECKS, _address, _wait_text

router = APIRouter()
RESET_ADDRESS = login_throttle.Rule(free=10)
MAILS_PER_EMAIL = 3
ANSWER_FLOOR_S = 0.25
"""No answer to a reset request leaves sooner (see `forgot`)."""
REFUSED = {
    account_tokens.Refusal.UNKNOWN: "Liên kết không đúng. Hãy mở đúng liên kết trong thư mới nhất.",
    account_tokens.Refusal.USED: "Liên kết này đã được dùng (mỗi liên kết chỉ dùng một lần). "
    "Nếu anh/chị đã đặt mật khẩu, hãy đăng nhập.",
    account_tokens.Refusal.EXPIRED: "Liên kết đã hết hạn.",
    account_tokens.Refusal.REVOKED: "Liên kết này đã được thay bằng một liên kết mới hơn. "
    "Hãy dùng liên kết trong thư mới nhất.",
    account_tokens.Refusal.INACTIVE: "Tài khoản này đã bị khóa.",
}
AGAIN = (
    "Hãy dùng «Quên mật khẩu» để nhận liên kết mới, hoặc đề nghị cán bộ điều phối gửi lại lời mời."
)
MISMATCH = "Hai lần nhập mật khẩu không khớp."
SENT = (
    "Nếu {email} là tài khoản đang hoạt động, thư có liên kết đặt lại mật khẩu đã được gửi tới "
    "địa chỉ đó (liên kết dùng một lần, hết hạn sau 2 giờ). Hãy kiểm tra hộp thư."
)
WAIT = "Đã có nhiều yêu cầu từ máy này. Hãy thử lại sau {wait}."
Token = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/forgot", response_class=HTMLResponse)
def forgot_page(request: Request) -> HTMLResponse:
    return render(request, "accounts_forgot.html", email="", sent=None, error=None)


def _reset(state: AppState, email: str, address: str) -> timedelta:
    """Count the request; queue a mail if the account exists and its day's mails allow.
    The wait this address owes (zero: it was taken)."""
    now = utcnow()
    with state.writer() as session, session.begin():
        asked, last = login_throttle.counted(session, "reset-address", address, now)
        if last is not None:
            wait = last + RESET_ADDRESS.delay(asked + 1) - now
            if wait > timedelta(0):
                return wait
        login_throttle.count(session, "reset-address", address, now)
        if login_throttle.count(session, "reset-account", email, now) < MAILS_PER_EMAIL:
            store_accounts.request_reset(session, email, state.settings.secret, address)
    return timedelta(0)


@router.post("/forgot", response_model=None)
async def forgot(
    request: Request, state: State, email: Annotated[str, Form(max_length=320)]
) -> Response:
    email = email.strip().lower()
    started = anyio.current_time()
    wait = await run_in_threadpool(_reset, state, email, _address(request))
    # Queuing a mail takes a few more writes than finding no account: every answer
    # leaves at the same floor, so its timing does not tell either.
    await anyio.sleep(max(0.0, ANSWER_FLOOR_S - (anyio.current_time() - started)))
    if wait > timedelta(0):
        response = render(
            request,
            "accounts_forgot.html",
            429,
            email=email,
            sent=None,
            error=WAIT.format(wait=_wait_text(wait)),
        )
        response.headers["Retry-After"] = str(max(1, int(wait.total_seconds() + 0.999)))
        return response
    return render(
        request, "accounts_forgot.html", email="", sent=SENT.format(email=email), error=None
    )


def _checked(state: AppState, token: str) -> tuple[str | None, str | None]:
    """(the account's email, None) when the link works, else (None, why not)."""
    with state.reader() as session:
        checked = account_tokens.check(session, token)
        if checked.refusal is not None or checked.token is None:
            return None, REFUSED[checked.refusal or account_tokens.Refusal.UNKNOWN]
        return checked.token.user.email, None


def _form(
    request: Request,
    token: str,
    email: str,
    purpose: str,
    status: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    return render(
        request,
        "accounts_password.html",
        status,
        token=token,
        email=email,
        purpose=purpose,
        error=error,
        refused=None,
        done=False,
        action=f"{account_mail.PASSWORD_PATH}{token}",
    )


def _refused(request: Request, why: str) -> HTMLResponse:
    return render(
        request,
        "accounts_password.html",
        410,
        token="",
        email="",
        purpose="",
        error=None,
        refused=why if why == REFUSED[account_tokens.Refusal.USED] else f"{why} {AGAIN}",
        done=False,
        action="",
    )


def _purpose(state: AppState, token: str) -> str:
    with state.reader() as session:
        checked = account_tokens.check(session, token)
        return checked.token.purpose if checked.token is not None else ""


@router.get(account_mail.PASSWORD_PATH + "{token}", response_class=HTMLResponse)
async def password_page(request: Request, state: State, token: Token) -> HTMLResponse:
    email, why = await run_in_threadpool(_checked, state, token)
    if email is None:
        return _refused(request, why or "")
    return _form(request, token, email, await run_in_threadpool(_purpose, state, token))


def _use(state: AppState, token: str, hashed: str) -> WebUser | account_tokens.Refusal:
    with state.writer() as session, session.begin():
        result = store_accounts.use_token(session, token, hashed)
        if isinstance(result, WebUser):
            session.expunge(result)
        return result


@router.post(account_mail.PASSWORD_PATH + "{token}", response_model=None)
async def set_password(
    request: Request,
    state: State,
    token: Token,
    password: Annotated[str, Form(max_length=1024)],
    password2: Annotated[str, Form(max_length=1024)],
) -> Response:
    email, why = await run_in_threadpool(_checked, state, token)
    if email is None:
        return _refused(request, why or "")
    purpose = await run_in_threadpool(_purpose, state, token)
    if password != password2:
        return _form(request, token, email, purpose, 422, MISMATCH)
    try:
        hashed = await anyio.to_thread.run_sync(hash_password, password, limiter=PASSWORD_CHECKS)
    except WeakPassword as exc:
        return _form(request, token, email, purpose, 422, f"Mật khẩu chưa đủ mạnh: {exc}.")
    result = await run_in_threadpool(_use, state, token, hashed)
    if isinstance(result, account_tokens.Refusal):
        return _refused(request, REFUSED[result])
    return render(
        request,
        "accounts_password.html",
        token="",
        email=result.email,
        purpose=purpose,
        error=None,
        refused=None,
        done=True,
        action="",
    )
