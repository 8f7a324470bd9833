"""store.login_throttle on SQLite and PostgreSQL, with explicit instants: how failures add
up, when they stop counting, what a success forgives and whom it exempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from store import login_throttle as lt
from store.models import LoginThrottle

T0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
EMAIL, HOME, ELSEWHERE = "dieuphoi@thu.example", "198.51.100.7", "203.0.113.5"


def _fail(sessions: sessionmaker[Session], n: int, email: str, address: str, at: datetime) -> None:
    with sessions.begin() as session:
        for _ in range(n):
            lt.failed(session, email, address, at)


def _wait(sessions: sessionmaker[Session], email: str, address: str, at: datetime) -> float:
    with sessions() as session:
        return lt.wait(session, email, address, at).total_seconds()


def test_failures_add_up_per_pair_and_the_delay_runs_out(sessions: sessionmaker[Session]) -> None:
    _fail(sessions, lt.PAIR.free, EMAIL, ELSEWHERE, T0)
    assert _wait(sessions, EMAIL, ELSEWHERE, T0) == 0
    _fail(sessions, 3, EMAIL, ELSEWHERE, T0)  # 8 failures: 4 s
    assert _wait(sessions, EMAIL, ELSEWHERE, T0) == 4
    assert _wait(sessions, EMAIL, ELSEWHERE, T0 + timedelta(seconds=4)) == 0
    assert _wait(sessions, " DieuPhoi@Thu.Example ", ELSEWHERE, T0) == 4  # the email as typed
    assert _wait(sessions, EMAIL, HOME, T0) == 0  # another address
    assert _wait(sessions, "khac@thu.example", ELSEWHERE, T0) == 0  # another account


def test_failures_older_than_the_window_no_longer_count(sessions: sessionmaker[Session]) -> None:
    _fail(sessions, lt.PAIR.free + 4, EMAIL, ELSEWHERE, T0)
    later = T0 + lt.WINDOW + timedelta(seconds=1)
    assert _wait(sessions, EMAIL, ELSEWHERE, later) == 0
    _fail(sessions, 1, EMAIL, ELSEWHERE, later)  # counts from one again
    with sessions() as session:
        counts = {row.failures for row in session.scalars(sa.select(LoginThrottle))}
    assert counts == {1}


def test_a_success_forgives_the_account_and_trusts_the_address(
    sessions: sessionmaker[Session],
) -> None:
    _fail(sessions, lt.ACCOUNT.free + 3, EMAIL, ELSEWHERE, T0)
    assert _wait(sessions, EMAIL, HOME, T0) == 4  # the account's own delay, anywhere
    with sessions.begin() as session:
        lt.succeeded(session, EMAIL, HOME, T0)
    assert _wait(sessions, EMAIL, HOME, T0) == 0
    _fail(sessions, lt.ACCOUNT.free + 3, EMAIL, f"{ELSEWHERE}0", T0)
    assert _wait(sessions, EMAIL, HOME, T0) == 0  # trusted: exempt from the account rule
    assert _wait(sessions, EMAIL, "192.0.2.1", T0) == 4
    trust_ends = T0 + lt.TRUST_FOR + timedelta(seconds=1)
    _fail(sessions, lt.ACCOUNT.free + 3, EMAIL, f"{ELSEWHERE}1", trust_ends)
    assert _wait(sessions, EMAIL, HOME, trust_ends) == 4


def test_trust_spares_the_address_rule_not_the_pair(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        lt.succeeded(session, EMAIL, HOME, T0)
    for n in range(lt.ADDRESS.free + 3):
        _fail(sessions, 1, f"doan-{n}@thu.example", HOME, T0)
    assert _wait(sessions, "viewer@thu.example", HOME, T0) == 4
    assert _wait(sessions, EMAIL, HOME, T0) == 0
    _fail(sessions, lt.PAIR.free + 3, EMAIL, HOME, T0)
    assert _wait(sessions, EMAIL, HOME, T0) == 4


def test_a_success_clears_stale_rows(sessions: sessionmaker[Session]) -> None:
    _fail(sessions, 1, "cu@thu.example", ELSEWHERE, T0)
    later = T0 + lt.WINDOW + timedelta(minutes=1)
    with sessions.begin() as session:
        lt.succeeded(session, EMAIL, HOME, later)
    with sessions() as session:
        rows = session.scalars(sa.select(LoginThrottle)).all()
    assert [(r.failures, r.last_at) for r in rows] == [(0, later)]  # the new trust only
