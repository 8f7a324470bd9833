"""The accounts page's rules: a coordinator manages accounts inside his scope only, never
his own; "Quên mật khẩu" answers the same for any email and is throttled; every action is
on the audit page of the coordinators who may see it."""

from __future__ import annotations

import asyncio
import re

import sqlalchemy as sa

from store import db
from store.models import AccountToken, AuditEntry, OutboxMessage, WebUser
from tests.fakes.smtp import FakeSMTP
from tests.web.conftest import ACCOUNTS, Site
from tests.web.support import post
from tests.web.test_accounts_invite import link_in, relay, rows, unit_id


def _user(site: Site, who: str) -> WebUser:
    [user] = rows(site, WebUser, WebUser.email == ACCOUNTS[who][0])
    return user


def test_a_district_coordinator_invites_only_inside_his_district(site: Site) -> None:
    client = site.client("district_coordinator")  # scope: huyen-b
    page = client.get("/accounts").text
    assert "UBND xã B1" in page and "UBND xã A1" not in page  # the scope choices
    assert "Toàn bộ (mọi lịch)" not in page
    assert "xem.b@thu.example" in page and "lanhdao.a@thu.example" not in page  # the accounts
    outside = {
        "email": "x@thu.example",
        "role": "viewer",
        "scope_unit": str(unit_id(site, "xa-a1")),
    }
    answer = post(client, "/accounts/invite", outside, page="/accounts")
    assert answer.status_code == 422 and "trong phạm vi của anh/chị" in answer.text
    for scope_unit in ("all", "", "999999999999"):  # everything, nothing chosen, no unit
        answer = post(
            client, "/accounts/invite", {**outside, "scope_unit": scope_unit}, page="/accounts"
        )
        assert answer.status_code == 422
    assert rows(site, WebUser, WebUser.email == "x@thu.example") == []
    assert rows(site, OutboxMessage, OutboxMessage.address == "x@thu.example") == []

    other = _user(site, "supervisor")  # scope huyen-a: not his
    for action in ("deactivate", "resend"):
        answer = post(client, f"/accounts/{other.id}/{action}", {}, page="/accounts")
        assert answer.status_code == 404
    assert _user(site, "supervisor").active

    inside = {**outside, "scope_unit": str(unit_id(site, "xa-b1"))}
    assert post(client, "/accounts/invite", inside, page="/accounts").status_code == 303
    again = post(client, "/accounts/invite", inside, page="/accounts")
    assert again.status_code == 422 and "Đã có tài khoản" in again.text


def test_a_coordinator_cannot_lock_himself_out(site: Site) -> None:
    client = site.client("coordinator")
    me = _user(site, "coordinator")
    answer = post(client, f"/accounts/{me.id}/deactivate", {}, page="/accounts")
    assert answer.status_code == 409 and "chính mình" in answer.text
    assert _user(site, "coordinator").active
    assert client.get("/accounts").status_code == 200


def test_only_coordinators_open_the_accounts_pages(site: Site) -> None:
    for who in ("supervisor", "viewer"):
        client = site.client(who)
        for path in ("/accounts", "/audit"):
            assert client.get(path).status_code == 403
        assert "/accounts" not in client.get("/").text
    assert 'href="/accounts"' in site.client("coordinator").get("/").text


def test_changing_a_role_ends_the_sessions_and_is_audited(site: Site) -> None:
    viewer = site.client("viewer")
    target = _user(site, "viewer")
    admin = site.client("coordinator")
    form = {"role": "supervisor", "scope_unit": str(unit_id(site, "huyen-b"))}
    answer = post(admin, f"/accounts/{target.id}/change", form, page="/accounts")
    assert answer.status_code == 303
    assert viewer.get("/", follow_redirects=False).status_code == 303
    [entry] = rows(site, AuditEntry, AuditEntry.action == "account_changed")
    assert entry.details["before"]["role"] == "viewer"
    assert entry.details["after"]["role"] == "supervisor"
    assert entry.actor == "web:dieuphoi@thu.example"
    row = re.search(
        r"<tr>(?:(?!</tr>).)*Đổi vai trò, phạm vi.*?</tr>", admin.get("/audit").text, re.S
    )
    assert row, "no audit row for the change"
    assert "vai trò: Người xem" in row.group(0) and "vai trò: Lãnh đạo phụ trách" in row.group(0)
    assert "email:" not in row.group(0)  # what changed, not the whole account twice


def _forgot(site: Site, email: str, client: object = None):  # type: ignore[no-untyped-def]
    client = client or site.client()
    return post(client, "/forgot", {"email": email}, page="/forgot")  # type: ignore[arg-type]


def test_forgot_password_says_the_same_whether_or_not_the_account_exists(site: Site) -> None:
    known = _forgot(site, ACCOUNTS["viewer"][0])
    unknown = _forgot(site, "khong-co@thu.example")
    assert known.status_code == unknown.status_code == 200

    def strip(text: str, email: str) -> str:  # the page's own CSRF token differs, and the email
        return re.sub(r"[0-9a-f]{64}", "CSRF", text.replace(email, "EMAIL"))

    assert strip(known.text, ACCOUNTS["viewer"][0]) == strip(unknown.text, "khong-co@thu.example")
    [mail] = rows(site, OutboxMessage, OutboxMessage.address == ACCOUNTS["viewer"][0])
    assert mail.payload["kind"] == "password_reset"
    assert rows(site, OutboxMessage, OutboxMessage.address == "khong-co@thu.example") == []


def test_forgot_password_is_throttled_per_email_and_per_address(site: Site) -> None:
    email = ACCOUNTS["viewer"][0]
    client = site.client()
    answers = [_forgot(site, email, client).status_code for _ in range(10)]
    assert answers == [200] * 10
    mails = rows(site, OutboxMessage, OutboxMessage.address == email)
    assert len(mails) == 3  # at most three reset mails a day to one address
    tokens = rows(site, AccountToken)
    assert sum(t.revoked_at is None for t in tokens) == 1  # only the newest link works
    waited = _forgot(site, "someone@thu.example", client)
    assert waited.status_code == 429 and "thử lại sau" in waited.text
    assert int(waited.headers["retry-after"]) >= 1


def test_a_reset_link_sets_a_new_password_and_ends_old_sessions(site: Site) -> None:
    email = ACCOUNTS["viewer"][0]
    logged_in = site.client("viewer")
    _forgot(site, email)
    smtp = FakeSMTP().start()
    try:
        assert asyncio.run(relay(site, smtp.port)) == 1
    finally:
        smtp.stop()
    [mail] = smtp.to(email)
    assert "Đặt lại mật khẩu" in mail["Subject"]
    path = link_in(mail)
    client = site.client()
    new = "mot-mat-khau-moi-dai"
    done = post(client, path, {"password": new, "password2": new}, page=path)
    assert done.status_code == 200
    assert logged_in.get("/", follow_redirects=False).status_code == 303
    answer = post(site.client(), "/login", {"email": email, "password": new}, page="/login")
    assert answer.status_code == 303
    engine = db.create_engine(site.settings.database_url)
    try:
        with engine.connect() as connection:
            actions = (
                connection.execute(
                    sa.select(AuditEntry.action).where(AuditEntry.subject == f"account:{email}")
                )
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert actions == ["account_created", "password_reset_requested", "password_reset"]


def test_the_audit_page_shows_a_district_coordinator_his_district_only(site: Site) -> None:
    admin = site.client("coordinator")
    a = {"email": "a.moi@thu.example", "role": "viewer", "scope_unit": str(unit_id(site, "xa-a1"))}
    b = {"email": "b.moi@thu.example", "role": "viewer", "scope_unit": str(unit_id(site, "xa-b1"))}
    for form in (a, b):
        assert post(admin, "/accounts/invite", form, page="/accounts").status_code == 303
    everything = admin.get("/audit").text
    assert "account:a.moi@thu.example" in everything and "account:b.moi@thu.example" in everything
    district = site.client("district_coordinator").get("/audit").text
    assert "account:b.moi@thu.example" in district and "a.moi@thu.example" not in district
    export = admin.get("/audit?format=csv")
    assert export.status_code == 200 and "b.moi@thu.example" in export.text


def test_the_audit_log_pages_back_to_its_first_entry(site: Site) -> None:
    """More entries than a page: "Xem các mục cũ hơn" walks back through every entry once,
    newest first, and the export holds the page shown."""
    from web.routes.accounts_audit import PAGE

    engine = db.create_engine(site.settings.database_url)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        session.add_all(
            AuditEntry(
                actor="web:dieuphoi@thu.example",
                action="account_changed",
                subject=f"account:nguoi-{n:03d}@thu.example",
                details={},
            )
            for n in range(PAGE + 30)
        )
    engine.dispose()
    admin = site.client("coordinator")
    seen: list[str] = []
    url, shown = "/audit", []
    while url:
        shown.append(url)
        page = admin.get(url).text
        seen += re.findall(r"account:nguoi-(\d{3})@thu\.example", page)
        more = re.search(r'href="(/audit\?before=\d+)">Xem các mục cũ hơn', page)
        url = more.group(1) if more else ""
    numbers = [int(n) for n in seen]
    assert len(shown) == 2
    assert numbers == list(range(PAGE + 29, -1, -1))  # each once, newest first, across pages
    second = admin.get(shown[1]).text
    assert "Về các mục mới nhất" in second
    export = admin.get(shown[1] + "&format=csv").text
    assert "nguoi-000@" in export and f"nguoi-{PAGE + 29:03d}@" not in export
    assert "Không còn mục nào cũ hơn" in admin.get("/audit?before=999999").text
