"""Cookies, CSRF tokens and response headers: the parts of web security that are the same
on every page.

CSRF uses a signed double-submit cookie: every visitor gets a random `hanchot_csrf`
cookie, every form carries HMAC(secret, cookie, session cookie) in `csrf_token` (htmx
sends it as the `X-CSRF-Token` header), and every unsafe request must show both,
matching. Another site can make a browser send our cookies but can neither read them nor
compute the HMAC. It works before login too (the login form, the submit-link page); the
CSRF cookie is replaced at login and logout. A request whose Origin names another site is
refused outright, whatever it carries.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import Request, Response
from starlette.datastructures import FormData

SESSION_COOKIE = "hanchot_session"
CSRF_COOKIE = "hanchot_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)
"""No inline script or style anywhere: injected markup that slipped past escaping still
could not run."""


FORM_LIMITS: dict[str, int] = {"max_files": 0, "max_fields": 32, "max_part_size": 64 * 1024}
"""What a form may hold unless its route declares more (`form_limits=` on the route, read by
FastAPI for `Form` parameters and by `read_form` everywhere else, the CSRF check
included): a page that takes no file takes none, and no form has more than a few fields."""


class CsrfRefused(Exception):
    pass


def form_limits(request: Request) -> dict[str, int]:
    """The limits of the route this request was routed to."""
    route = request.scope.get("route")
    return {**FORM_LIMITS, **(getattr(route, "form_limits", None) or {})}


async def read_form(request: Request) -> FormData:
    """The request's form, parsed once under its route's limits (a starlette 400 past
    them). Whoever reads it first, the CSRF check or the route, the limits are the same."""
    return await request.form(**form_limits(request))


def csrf_token(secret: str, cookie: str, session: str = "") -> str:
    """HMAC of the CSRF cookie and, once logged in, the session cookie: whoever can plant
    a CSRF cookie (a sibling subdomain) and read its token off our login page still cannot
    forge a logged-in user's form, since his session token stays hidden (HttpOnly)."""
    message = b"csrf\x00" + cookie.encode() + b"\x00" + session.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _same_origin(request: Request, origin: str, public_url: str) -> bool:
    allowed = {f"{request.url.scheme}://{request.headers.get('host', '')}"}
    parts = urlsplit(public_url)
    allowed.add(f"{parts.scheme}://{parts.netloc}")
    return origin in allowed


async def check_csrf(request: Request, secret: str, public_url: str) -> None:
    """Raise CsrfRefused unless an unsafe request carries a valid token."""
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("origin")
    if origin and origin != "null" and not _same_origin(request, origin, public_url):
        raise CsrfRefused("cross-origin request")
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if len(cookie) < 20:
        raise CsrfRefused("no CSRF cookie")
    given = request.headers.get(CSRF_HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await read_form(request)
        value = form.get(CSRF_FIELD)
        given = value if isinstance(value, str) else ""
    expected = csrf_token(secret, cookie, request.cookies.get(SESSION_COOKIE, ""))
    if not given or not hmac.compare_digest(given, expected):
        raise CsrfRefused("bad CSRF token")


def rotate_csrf(response: Response, secure_cookies: bool) -> str:
    """A new CSRF cookie on `response` (at login and logout): a cookie planted before
    login, by a sibling subdomain or a shared computer, must not outlive it."""
    cookie = secrets.token_urlsafe(32)
    response.set_cookie(CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure_cookies)
    return cookie


def _sets_cookie(response: Response, name: str) -> bool:
    prefix = f"{name}=".encode()
    return any(k == b"set-cookie" and v.startswith(prefix) for k, v in response.raw_headers)


def security_headers(
    secure_cookies: bool,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """Middleware: give every visitor a CSRF cookie and every response strict headers."""

    async def middleware(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        cookie = request.cookies.get(CSRF_COOKIE, "")
        fresh = len(cookie) < 20
        if fresh:
            cookie = secrets.token_urlsafe(32)
        request.state.csrf_cookie = cookie
        response = await call_next(request)
        if fresh and not _sets_cookie(response, CSRF_COOKIE):
            response.set_cookie(
                CSRF_COOKIE, cookie, httponly=True, samesite="lax", secure=secure_cookies
            )
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "no-referrer"  # a submit link's token stays private
        if request.url.path.startswith("/static/"):
            headers.setdefault("Cache-Control", "public, max-age=3600")
        else:
            headers.setdefault("Cache-Control", "no-store")
        if secure_cookies:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return response

    return middleware
