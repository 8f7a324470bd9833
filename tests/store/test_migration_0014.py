"""Migration 0014 on SQLite and PostgreSQL with rows in use: going up keeps every account,
outbox row and audit entry; going back to 0012 keeps them too, except what 0012 cannot
hold (an account's mail, which has no person, is dropped; an invited account with no
password is closed), and the people's outbox rows survive untouched."""

from __future__ import annotations

import sqlalchemy as sa

from store import account_mail, account_tokens, accounts, db, migrate, outbox
from store.calendars import save_calendar
from store.models import WebRole
from store.web_users import add_user
from tests.store.store_factories import calendar, open_deadline


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text(sql)).scalar_one())


def test_0014_goes_down_to_0012_and_up_again_with_rows_in_use(db_url: str) -> None:
    migrate.upgrade(db_url)
    engine = db.create_engine(db_url)
    try:
        with db.session_factory(engine).begin() as session:
            save_calendar(session, calendar(), "huyen-thu.yaml")
            deadline = open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1")
            queued = outbox.enqueue(
                session,
                workflow_id=deadline.workflow_id,
                calendar_key="huyen-thu",
                step="remind:-3d",
                recipients=["lan"],
                payload={"kind": "reminder"},
            )
            assert queued.queued >= 1
            add_user(
                session,
                email="cu@thu.example",
                name="Tài khoản cũ",
                password_hash="$argon2id$v=19$m=47104,t=1,p=1$c2FsdA$aGFzaA",
                role=WebRole.VIEWER,
                scope_unit=None,
            )
            invited = add_user(
                session,
                email="moi@thu.example",
                name="Người được mời",
                password_hash=None,
                role=WebRole.VIEWER,
                scope_unit=None,
            )
            issued = account_tokens.issue(session, invited, account_tokens.INVITE, "s" * 32, "t")
            account_mail.enqueue(session, invited, issued, account_tokens.INVITE, {})
            accounts.audit(session, "web:a@thu.example", "account_invited", invited, None, {})
        people_rows = _count(engine, "SELECT count(*) FROM outbox WHERE recipient_id IS NOT NULL")
        engine.dispose()

        migrate.downgrade(db_url, "0012")
        assert _count(engine, "SELECT count(*) FROM outbox") == people_rows
        assert (
            _count(engine, "SELECT count(*) FROM audit_log WHERE action = 'account_invited'") == 1
        )
        closed = "SELECT count(*) FROM web_users WHERE email = 'moi@thu.example' AND active = false"
        assert _count(engine, closed) == 1
        assert _count(engine, "SELECT count(*) FROM web_users") == 2
        engine.dispose()

        migrate.upgrade(db_url)
        assert _count(engine, "SELECT count(*) FROM account_tokens") == 0
        assert _count(engine, "SELECT count(*) FROM outbox") == people_rows
    finally:
        engine.dispose()
