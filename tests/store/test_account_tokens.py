"""store.account_tokens and store.accounts on SQLite and PostgreSQL, with explicit instants:
a link is derived from the secret (the store alone holds none), works once even when two
submissions race, stops at its expiry, is replaced by a newer one, and dies with the
account's deactivation."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from store import account_tokens as at
from store import accounts, db
from store.models import AccountToken, WebRole, WebUser
from store.scopes import Scope
from store.web_users import add_user

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
SECRET = "s" * 40
ADMIN = accounts.Actor("web:admin@thu.example", None, Scope())


def _user(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        user = add_user(
            session,
            email="moi@thu.example",
            name="Người mới",
            password_hash=None,
            role=WebRole.VIEWER,
            scope_unit=None,
        )
        return user.id


def _issue(sessions: sessionmaker[Session], user_id: int, at_: datetime = T0) -> at.Issued:
    with sessions.begin() as session:
        user = session.get(WebUser, user_id)
        assert user is not None
        return at.issue(session, user, at.INVITE, SECRET, "test", at_)


def test_the_store_keeps_no_working_link(sessions: sessionmaker[Session]) -> None:
    issued = _issue(sessions, _user(sessions))
    token = at.derive(SECRET, issued.nonce)
    with sessions() as session:
        row = session.get(AccountToken, issued.id)
        assert row is not None and token not in (row.nonce, row.token_sha256)
        assert at.check(session, token, T0).refusal is None
        assert at.check(session, at.derive("another secret", issued.nonce), T0).refusal == "unknown"
        assert at.check(session, issued.nonce, T0).refusal == "unknown"


def test_a_link_works_until_it_expires_and_a_newer_one_replaces_it(
    sessions: sessionmaker[Session],
) -> None:
    user_id = _user(sessions)
    first = at.derive(SECRET, _issue(sessions, user_id).nonce)
    with sessions() as session:
        end = T0 + at.LIFETIME[at.INVITE]
        assert at.check(session, first, end - timedelta(seconds=1)).refusal is None
        assert at.check(session, first, end).refusal == "expired"
    second = at.derive(SECRET, _issue(sessions, user_id, T0 + timedelta(hours=1)).nonce)
    with sessions() as session:
        assert at.check(session, first, T0 + timedelta(hours=2)).refusal == "revoked"
        assert at.check(session, second, T0 + timedelta(hours=2)).refusal is None


def test_two_racing_submissions_set_the_password_once(engine: Engine) -> None:
    sessions = db.session_factory(engine, writes=True)
    user_id = _user(sessions)
    token = at.derive(SECRET, _issue(sessions, user_id).nonce)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def submit(hashed: str) -> None:
        barrier.wait()
        try:
            with sessions.begin() as session:
                results.append(accounts.use_token(session, token, hashed, T0))
        except Exception as exc:  # SQLite's writer lock: the loser may wait, never win twice
            results.append(exc)

    threads = [threading.Thread(target=submit, args=(h,)) for h in ("$hash-a", "$hash-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [r for r in results if isinstance(r, WebUser)]
    assert len(winners) == 1, results
    with sessions() as session:
        user = session.get(WebUser, user_id)
        assert user is not None and user.password_hash in ("$hash-a", "$hash-b")
        assert at.check(session, token, T0).refusal == "used"


def test_deactivating_kills_the_link_and_reactivating_does_not_revive_it(
    sessions: sessionmaker[Session],
) -> None:
    user_id = _user(sessions)
    token = at.derive(SECRET, _issue(sessions, user_id).nonce)
    with sessions.begin() as session:
        accounts.set_active(session, ADMIN, user_id, False)
    with sessions() as session:
        assert at.check(session, token, T0).refusal == "revoked"
    with sessions.begin() as session:
        accounts.set_active(session, ADMIN, user_id, True)
        assert accounts.use_token(session, token, "$hash", T0) == "revoked"
        assert at.pending(session, user_id, T0) is None
