"""Done when (issue 17, item 3): an invited supervisor sets a password through the emailed
link and sees only his subtree; the link does not work twice or after it expires.

The invitation goes through the real outbox and the relay's sweep to a real SMTP server
on loopback (aiosmtpd); the link is taken from the email as received. The dashboard runs
on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from email.message import EmailMessage

import sqlalchemy as sa

from activities.store_access import StoreAccess
from notifier.delivery import Deliverer
from notifier.email.local import free_port
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.relay import sweep
from notifier.settings import NotifierSettings, Secret, SmtpSettings, TelegramSettings
from store import db
from store.base import utcnow
from store.enums import OutboxStatus
from store.models import AccountToken, AuditEntry, OutboxMessage, WebUser
from tests.fakes.smtp import FakeSMTP
from tests.web.conftest import Site
from tests.web.support import csrf, post

INVITED = "lanhdao.moi@thu.example"
NEW_PASSWORD = "mat-khau-moi-rat-dai-7"
LINK = re.compile(r"(http://127\.0\.0\.1:8000/password/\S+)")


def notifier(site: Site, port: int) -> NotifierSettings:
    return NotifierSettings(
        secret=Secret(site.settings.secret),
        data_dir=site.settings.data_dir,
        public_url=site.settings.public_url,
        smtp=SmtpSettings(
            sender="Hạn chót <hanchot@tinh-thu.example>",
            timeout=3.0,
            host="127.0.0.1",
            port=port,
            security="none",
        ),
        telegram=TelegramSettings(timeout=1.0),
    )


async def relay(site: Site, port: int) -> int:
    """One sweep of the outbox relay, as `hanchot notify` runs it."""
    settings = notifier(site, port)
    engine = db.create_engine(site.settings.database_url)
    registry = Registry([EmailChannel(settings.smtp)])
    try:
        return await sweep(Deliverer(StoreAccess(engine), registry, settings))
    finally:
        await registry.aclose()
        engine.dispose()


def plain(mail: EmailMessage) -> str:
    return mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def link_in(mail: EmailMessage) -> str:
    found = LINK.search(plain(mail))
    assert found, plain(mail)
    return found.group(1).removeprefix("http://127.0.0.1:8000")


def invite(site: Site, email: str, scope_unit: int, role: str = "supervisor") -> None:
    client = site.client("coordinator")
    form = {"email": email, "name": "Lãnh đạo mới", "role": role, "scope_unit": str(scope_unit)}
    answer = post(client, "/accounts/invite", form, page="/accounts")
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/accounts?msg=invited"


def unit_id(site: Site, key: str) -> int:
    engine = db.create_engine(site.settings.database_url)
    try:
        with engine.connect() as connection:
            return int(
                connection.execute(
                    sa.text(f"SELECT id FROM units WHERE key = '{key}'")
                ).scalar_one()
            )
    finally:
        engine.dispose()


def rows(site: Site, model: type, *where: object) -> list:  # type: ignore[type-arg]
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine)() as session:
            found = list(session.scalars(sa.select(model).where(*where)))  # type: ignore[arg-type]
            session.expunge_all()
            return found
    finally:
        engine.dispose()


def test_an_invited_supervisor_sets_a_password_from_the_email_and_sees_his_subtree(
    any_site: Site,
) -> None:
    site = any_site
    invite(site, INVITED, unit_id(site, "huyen-a"))
    [row] = rows(site, OutboxMessage, OutboxMessage.address == INVITED)
    assert row.recipient_id is None and row.status is OutboxStatus.PENDING
    token_row = rows(site, AccountToken)[0]
    assert "nonce" in row.payload and token_row.token_sha256 not in str(row.payload)

    # A dead SMTP server: nothing is lost, the row waits in the outbox.
    dead = free_port()
    assert asyncio.run(relay(site, dead)) == 0
    [row] = rows(site, OutboxMessage, OutboxMessage.address == INVITED)
    assert row.status is OutboxStatus.PENDING and row.last_error

    smtp = FakeSMTP().start()
    try:
        sent = asyncio.run(relay_after_backoff(site, smtp.port))
        again = asyncio.run(relay(site, smtp.port))
    finally:
        smtp.stop()
    assert (sent, again) == (1, 0)
    [mail] = smtp.to(INVITED)
    assert "Mời anh/chị dùng bảng điều khiển hanchot" in mail["Subject"]
    assert "Lãnh đạo phụ trách" in plain(mail) and "UBND huyện A" in plain(mail)
    path = link_in(mail)

    # Not logged in yet: the account has no password, so no password logs in.
    stranger = site.client()
    answer = post(stranger, "/login", {"email": INVITED, "password": "x" * 12}, page="/login")
    assert answer.status_code == 401

    page = stranger.get(path)
    assert page.status_code == 200 and INVITED in page.text
    mismatch = post(stranger, path, {"password": NEW_PASSWORD, "password2": "khac"}, page=path)
    assert mismatch.status_code == 422 and "không khớp" in mismatch.text
    done = post(stranger, path, {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}, page=path)
    assert done.status_code == 200 and "Đã đặt mật khẩu" in done.text

    twice = stranger.get(path)
    assert twice.status_code == 410 and "đã được dùng" in twice.text
    token = csrf(stranger, "/login")
    reuse = stranger.post(
        path,
        data={
            "password": "mot-mat-khau-khac-1",
            "password2": "mot-mat-khau-khac-1",
            "csrf_token": token,
        },
    )
    assert reuse.status_code == 410

    supervisor = site.client()
    answer = post(supervisor, "/login", {"email": INVITED, "password": NEW_PASSWORD}, page="/login")
    assert answer.status_code == 303
    matrix = supervisor.get("/matrix").text
    assert "UBND xã A1" in matrix and "UBND xã B1" not in matrix
    assert supervisor.get("/accounts").status_code == 403  # a supervisor manages no account

    actions = [e.action for e in rows(site, AuditEntry, AuditEntry.subject == f"account:{INVITED}")]
    assert actions == ["account_invited", "account_activated"]


async def relay_after_backoff(site: Site, port: int) -> int:
    """The failed row waits its backoff (30 s) before the relay tries again: age it."""
    engine = db.create_engine(site.settings.database_url)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            session.execute(
                sa.update(OutboxMessage).values(updated_at=utcnow() - timedelta(minutes=5))
            )
    finally:
        engine.dispose()
    return await relay(site, port)


def test_an_invitation_link_does_not_work_after_it_expires(site: Site) -> None:
    invite(site, INVITED, unit_id(site, "huyen-a"))
    smtp = FakeSMTP().start()
    try:
        assert asyncio.run(relay(site, smtp.port)) == 1
    finally:
        smtp.stop()
    path = link_in(smtp.to(INVITED)[0])
    assert site.client().get(path).status_code == 200
    engine = db.create_engine(site.settings.database_url)
    try:  # a week and a second later
        with db.session_factory(engine, writes=True)() as session, session.begin():
            session.execute(
                sa.update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1))
            )
    finally:
        engine.dispose()
    client = site.client()
    expired = client.get(path)
    assert expired.status_code == 410 and "hết hạn" in expired.text
    token = csrf(client, "/login")
    refused = client.post(
        path, data={"password": NEW_PASSWORD, "password2": NEW_PASSWORD, "csrf_token": token}
    )
    assert refused.status_code == 410
    [user] = rows(site, WebUser, WebUser.email == INVITED)
    assert user.password_hash is None


def test_deactivating_ends_sessions_and_kills_the_links(site: Site) -> None:
    invite(site, INVITED, unit_id(site, "huyen-a"))
    smtp = FakeSMTP().start()
    try:
        asyncio.run(relay(site, smtp.port))
    finally:
        smtp.stop()
    path = link_in(smtp.to(INVITED)[0])
    viewer = site.client("viewer")
    assert viewer.get("/matrix").status_code == 200
    admin = site.client("coordinator")
    [invited] = rows(site, WebUser, WebUser.email == INVITED)
    [watcher] = rows(site, WebUser, WebUser.email == "xem.b@thu.example")
    for target in (invited, watcher):
        answer = post(admin, f"/accounts/{target.id}/deactivate", {}, page="/accounts")
        assert answer.status_code == 303
    assert viewer.get("/matrix", follow_redirects=False).status_code == 303  # to /login
    assert site.client().get(path).status_code == 410
    refused = site.client()
    answer = post(
        refused,
        "/login",
        {"email": "xem.b@thu.example", "password": "mat-khau-du-dai-1"},
        page="/login",
    )
    assert answer.status_code == 401
    audit = rows(site, AuditEntry, AuditEntry.action == "account_deactivated")
    assert {a.details["before"]["active"] for a in audit} == {True}
    assert {a.details["after"]["active"] for a in audit} == {False}
    assert "Khóa tài khoản" in admin.get("/audit").text


def test_a_refused_address_fails_the_invitation_mail_and_touches_no_person(site: Site) -> None:
    invite(site, INVITED, unit_id(site, "huyen-a"))
    smtp = FakeSMTP(bad_addresses={INVITED}).start()
    try:
        assert asyncio.run(relay(site, smtp.port)) == 0
    finally:
        smtp.stop()
    [row] = rows(site, OutboxMessage, OutboxMessage.address == INVITED)
    assert row.status is OutboxStatus.FAILED and "550" in (row.last_error or "")
    assert rows(site, AuditEntry, AuditEntry.action == "channel_disabled") == []


def test_the_outbox_page_never_shows_a_set_password_mail(site: Site) -> None:
    """Coordinators read the outbox; an invitation's link would let one of them set
    another person's password."""
    invite(site, INVITED, unit_id(site, "huyen-a"))
    admin = site.client("coordinator")
    page = admin.get("/outbox").text
    assert INVITED not in page and "/password/" not in page
    [row] = rows(site, OutboxMessage, OutboxMessage.address == INVITED)
    resent = post(admin, f"/outbox/{row.id}/resend", {}, page="/outbox")
    assert resent.status_code == 404  # "Gửi lại lời mời" on the accounts page makes a new link
    assert len(rows(site, OutboxMessage, OutboxMessage.address == INVITED)) == 1
