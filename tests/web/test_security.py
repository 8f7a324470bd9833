"""Section 5 of the dashboard's issue, point by point: password hashing, CSRF, escaping,
signed links, upload limits, and no page without login but the submit link."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from starlette.routing import Mount, Route

from store import db
from store.models import WebSession, WebUser
from store.submit_links import make_token
from tests.web.conftest import ACCOUNTS, PASSWORD, Site
from tests.web.factory import XSS
from tests.web.support import csrf, login, post
from web.passwords import hash_password, verify_password
from web.routes import ROUTERS


def _user(site: Site, email: str) -> WebUser:
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine)() as session:
            return session.scalars(sa.select(WebUser).where(WebUser.email == email)).one()
    finally:
        engine.dispose()


# --- passwords -----------------------------------------------------------------------------


def test_passwords_are_stored_as_argon2id_hashes(site: Site) -> None:
    stored = _user(site, ACCOUNTS["coordinator"][0]).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert verify_password(stored, PASSWORD)
    assert not verify_password(stored, PASSWORD + "x")
    assert not verify_password(None, PASSWORD)  # an unknown user is just "no"
    assert hash_password(PASSWORD) != stored  # salted


def test_wrong_password_and_unknown_user_look_the_same(site: Site) -> None:
    client = site.client()
    answers = []
    for email in (ACCOUNTS["viewer"][0], "khong-co@thu.example"):
        token = csrf(client)
        answers.append(
            client.post(
                "/login", data={"email": email, "password": "sai-mat-khau-1", "csrf_token": token}
            )
        )
    assert [a.status_code for a in answers] == [401, 401]
    assert all("Email hoặc mật khẩu không đúng." in a.text for a in answers)


def test_repeated_failures_lock_no_account(site: Site) -> None:
    """Guesses are delayed where they come from (tests/web/test_login_throttle.py); the
    account itself is never locked, so nobody can keep its owner out."""
    client = site.client()
    email = ACCOUNTS["viewer"][0]
    for _ in range(12):
        post(client, "/login", {"email": email, "password": "sai-mat-khau-1"}, page="/login")
    assert _user(site, email).locked_until is None
    owner = TestClient(site.app, base_url="http://127.0.0.1:8000", client=("198.51.100.7", 1))  # type: ignore[arg-type]
    login(owner, email, PASSWORD)


def test_logout_ends_the_session_on_the_server(site: Site) -> None:
    client = site.client("coordinator")
    cookie = client.cookies.get("hanchot_session")
    assert client.get("/").status_code == 200
    assert post(client, "/logout", {}).status_code == 303
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine)() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(WebSession)) == 0
    engine.dispose()
    replay = site.client()
    replay.cookies.set("hanchot_session", cookie)
    assert replay.get("/", follow_redirects=False).status_code == 303


# --- CSRF ----------------------------------------------------------------------------------


def test_every_unsafe_request_needs_the_csrf_token(site: Site) -> None:
    client = site.client("coordinator")
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    targets = ["/logout", "/login", "/extensions/1/decide", "/units/5/excuse", "/units/5/reopen"]
    for path in targets:
        missing = client.post(path, data={"workflow_id": wid, "reason": "x", "decision": "refuse"})
        assert missing.status_code == 403, path
        assert "Biểu mẫu không hợp lệ" in missing.text
        wrong = client.post(path, data={"csrf_token": "0" * 64, "decision": "refuse"})
        assert wrong.status_code == 403, path
    assert site.gateway.calls == []


def test_the_token_is_bound_to_the_visitors_cookie(site: Site) -> None:
    mine = csrf(site.client("coordinator"))
    other = site.client("coordinator")
    answer = other.post("/extensions/1/decide", data={"csrf_token": mine, "decision": "refuse"})
    assert answer.status_code == 403


def test_a_cross_origin_post_is_refused_even_with_a_token(site: Site) -> None:
    client = site.client("coordinator")
    token = csrf(client)
    answer = client.post(
        "/logout", data={"csrf_token": token}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status_code == 403


def test_the_submit_form_has_csrf_protection_too(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    client = site.client()
    answer = client.post(f"/nop/{token}", data={"document_number": "1/BC"})
    assert answer.status_code == 403 and site.gateway.calls == []


# --- escaping ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/matrix?year=2025", "/extensions", "/outbox", "/plan?year=2025"])
def test_a_unit_named_script_is_shown_as_text(site: Site, path: str) -> None:
    html = site.client("coordinator").get(path).text
    assert XSS not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_pages_forbid_inline_script(site: Site) -> None:
    page = site.client("coordinator").get("/")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in page.text.replace(
        '<script src="/static/htmx.min.js" defer></script>', ""
    )


# --- signed links --------------------------------------------------------------------------


def _link_page(site: Site, token: str) -> tuple[int, str]:
    answer = site.client().get(f"/nop/{token}")
    return answer.status_code, answer.text


def test_a_signed_link_opens_its_own_deadline_only(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    status, html = _link_page(site, token)
    assert status == 200 and "UBND xã A2" in html and "Báo cáo 6 tháng cấp xã" in html
    other = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a1")]
    body, signature = token.split(".")
    forged = make_token("not-the-secret-" + "y" * 20, other).split(".")[0] + "." + signature
    assert _link_page(site, forged)[0] == 404
    assert _link_page(site, body + "." + signature[::-1])[0] == 404
    assert _link_page(site, make_token("another-deployment-secret-zz", wid))[0] == 404
    assert _link_page(site, "not-a-token")[0] == 404


def test_a_signed_link_expires(site: Site) -> None:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    old = make_token(site.settings.secret, wid, expires_at=datetime.now(UTC) - timedelta(minutes=1))
    status, html = _link_page(site, old)
    assert status == 410 and "hết hạn" in html
    assert site.client().post(f"/nop/{old}", data={"csrf_token": "x"}).status_code in (403, 410)


# --- uploads -------------------------------------------------------------------------------


def _submit(site: Site, files: dict[str, tuple[str, bytes, str]], doc: str = "") -> tuple[int, str]:
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    token = make_token(site.settings.secret, wid, person="fp-xa-a2")
    client = site.client()
    form = csrf(client, f"/nop/{token}")
    answer = client.post(
        f"/nop/{token}", data={"csrf_token": form, "document_number": doc}, files=files
    )
    return answer.status_code, answer.text


def test_uploads_over_the_limit_are_refused(site: Site) -> None:
    big = b"%PDF-1.4\n" + b"0" * (site.settings.upload_max_bytes + 1)
    status, html = _submit(site, {"file": ("bao-cao.pdf", big, "application/pdf")})
    assert status == 400 and "lớn hơn giới hạn" in html
    huge = b"%PDF-1.4\n" + b"0" * (site.settings.upload_max_bytes + 400 * 1024)
    status, html = _submit(site, {"file": ("bao-cao.pdf", huge, "application/pdf")})
    assert status == 413 and "quá lớn" in html
    assert site.gateway.calls == []


def test_uploads_of_other_types_are_refused(site: Site) -> None:
    page = b"<html><script>alert(1)</script></html>"
    for name, data in (("bao-cao.html", page), ("bao-cao.pdf", page), ("x.exe", b"MZ\x90\x00")):
        status, html = _submit(site, {"file": (name, data, "application/pdf")})
        assert status == 400, name
        assert "không nhận tệp loại này" in html or "nội dung tệp không phải PDF" in html
    assert site.gateway.calls == []
    assert not list((site.settings.data_dir / "evidence").rglob("*")) or all(
        p.read_bytes() != page
        for p in (site.settings.data_dir / "evidence").rglob("*")
        if p.is_file()
    )


# --- login everywhere ----------------------------------------------------------------------


PUBLIC = {
    "/login",
    "/nop/{token}",
    "/nop/{token}/gia-han",
    "/nop/{token}/tep",
    "/logout",
    "/forgot",
    "/password/{token}",
}
"""The login form, the submit link (its extension request and file changes, signed by the
same token), logging out (which shows nothing either way), asking for a password reset
(which says the same for any email) and the set-password page (its one-time link)."""


def test_no_page_answers_without_login_except_the_submit_link(site: Site) -> None:
    client = site.client()
    routes = [r for router in ROUTERS for r in router.routes if isinstance(r, Route)]
    assert len(routes) >= 14
    for route in routes:
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        if route.path in PUBLIC:
            continue
        for method in route.methods - {"HEAD"}:
            if method == "POST":
                token = csrf(client)
                answer = client.post(path, data={"csrf_token": token}, follow_redirects=False)
            else:
                answer = client.get(path, follow_redirects=False)
            assert answer.status_code == 303, (method, route.path, answer.status_code)
            assert answer.headers["location"].startswith("/login?next=")
    assert any(isinstance(r, Mount) and r.path == "/static" for r in site.app.routes)  # type: ignore[attr-defined]
    assert client.get("/static/htmx.min.js").status_code == 200


def test_roles_limit_what_a_user_may_do(site: Site) -> None:
    viewer = site.client("viewer")
    assert viewer.get("/outbox").status_code == 403
    assert viewer.get("/quarantine").status_code == 403
    assert viewer.get("/extensions").status_code == 403
    assert viewer.get("/evidence/1").status_code == 403
    supervisor = site.client("supervisor")
    assert supervisor.get("/extensions").status_code == 200
    answer = post(supervisor, "/extensions/1/decide", {"decision": "approve"})
    assert answer.status_code == 403 and site.gateway.calls == []


def test_evidence_outside_the_scope_is_not_served(site: Site) -> None:
    supervisor_a = site.client("supervisor")  # huyện A; the file belongs to huyện B
    assert supervisor_a.get("/evidence/1").status_code == 404


def test_login_redirects_only_within_the_site(site: Site) -> None:
    client = site.client()
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        token = csrf(client)
        email, _, _ = ACCOUNTS["viewer"]
        answer = client.post(
            "/login",
            data={"email": email, "password": PASSWORD, "csrf_token": token, "next": target},
            follow_redirects=False,
        )
        assert answer.headers["location"] == "/"


def test_a_disabled_user_is_logged_out_at_once(site: Site) -> None:
    client = site.client("viewer")
    assert client.get("/").status_code == 200
    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.execute(
            sa.update(WebUser).where(WebUser.email == ACCOUNTS["viewer"][0]).values(active=False)
        )
    engine.dispose()
    assert client.get("/", follow_redirects=False).status_code == 303
    with pytest.raises(AssertionError):
        login(site.client(), ACCOUNTS["viewer"][0], PASSWORD)
