"""Delays after failed dashboard logins, per address, per (account, address) and per
account, shared through the store by every dashboard process.

No lockout: a delay applies to where the failures came from. Guessing from one address
slows that address (for every account it has not logged in to lately) and that address
for that account; an account guessed at from many addresses is slowed only for addresses
it has not logged in from lately, so the coordinator at his usual desk still gets in with
the right password.
Failures are counted under the email as typed, whether or not the account exists, so
the answers (and the delays) say nothing about which accounts exist. A delayed attempt
is refused before its password is checked and writes nothing, so waiting out the delay
is the only way forward and a flood of refused attempts costs no write.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.models import LoginThrottle

WINDOW = timedelta(hours=24)
"""Failures older than this no longer count."""
TRUST_FOR = timedelta(days=90)
"""An address an account logged in from stays exempt from that account's delay this long."""
MAX_DELAY = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Rule:
    free: int
    """Failures allowed before any delay."""
    exempt_trusted: bool = False

    def delay(self, failures: int) -> timedelta:
        """Doubles from one second with each failure past `free`, up to MAX_DELAY."""
        over = failures - self.free
        if over <= 0:
            return timedelta(0)
        return min(timedelta(seconds=2 ** min(over - 1, 20)), MAX_DELAY)


ADDRESS = Rule(free=20, exempt_trusted=True)
"""Generous: an office behind one NAT address shares it; and a colleague guessing at other
accounts from there does not hold up someone who has logged in from there before (his own
account's guesses still count under PAIR)."""
PAIR = Rule(free=5)
ACCOUNT = Rule(free=50, exempt_trusted=True)


def _key(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Keys:
    address: str
    pair: str
    account: str
    trusted: str

    @classmethod
    def of(cls, email: str, address: str) -> Keys:
        email = email.strip().lower()
        return cls(
            _key("address", address),
            _key("pair", email, address),
            _key("account", email),
            _key("trusted", email, address),
        )


def wait(session: Session, email: str, address: str, now: datetime) -> timedelta:
    """How long this address must wait before trying `email` again (zero: go ahead)."""
    keys = Keys.of(email, address)
    rows = {
        row.key: row
        for row in session.scalars(
            sa.select(LoginThrottle).where(
                LoginThrottle.key.in_([keys.address, keys.pair, keys.account, keys.trusted])
            )
        )
    }
    trusted = keys.trusted in rows and rows[keys.trusted].last_at > now - TRUST_FOR
    longest = timedelta(0)
    for key, rule in ((keys.address, ADDRESS), (keys.pair, PAIR), (keys.account, ACCOUNT)):
        row = rows.get(key)
        if row is None or row.last_at <= now - WINDOW or (rule.exempt_trusted and trusted):
            continue
        longest = max(longest, row.last_at + rule.delay(row.failures) - now)
    return longest


def _upsert(session: Session, key: str, now: datetime, *, count: bool) -> None:
    dialect = session.get_bind().dialect.name
    insert: Any = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = LoginThrottle.__table__
    stale = table.c.last_at <= now - WINDOW
    failures = sa.case((stale, 1), else_=table.c.failures + 1) if count else 0
    stmt = (
        insert(LoginThrottle)
        .values(key=key, failures=1 if count else 0, last_at=now)
        .on_conflict_do_update(index_elements=["key"], set_={"failures": failures, "last_at": now})
    )
    session.execute(stmt)


def failed(session: Session, email: str, address: str, now: datetime) -> None:
    """Count a failed attempt (one short write: three upserts)."""
    keys = Keys.of(email, address)
    for key in (keys.address, keys.pair, keys.account):
        _upsert(session, key, now, count=True)


def succeeded(session: Session, email: str, address: str, now: datetime) -> None:
    """The account's own failures are forgiven and this address is trusted for it; the
    address's count stays (logging into one's own account must not clear a guesser)."""
    keys = Keys.of(email, address)
    session.execute(
        sa.delete(LoginThrottle).where(
            sa.or_(
                LoginThrottle.key.in_([keys.pair, keys.account]),
                LoginThrottle.last_at <= now - TRUST_FOR,
                sa.and_(LoginThrottle.failures > 0, LoginThrottle.last_at <= now - WINDOW),
            )
        )
    )
    _upsert(session, keys.trusted, now, count=False)


def count(session: Session, kind: str, value: str, now: datetime) -> int:
    """Count one more request under `kind`/`value` (e.g. forgotten-password requests per
    address): the count before this one, within WINDOW. Shares the table and its
    housekeeping with the login counts."""
    key = _key(kind, value.strip().lower())
    row = session.get(LoginThrottle, key)
    before = row.failures if row is not None and row.last_at > now - WINDOW else 0
    _upsert(session, key, now, count=True)
    return before


def counted(session: Session, kind: str, value: str, now: datetime) -> tuple[int, datetime | None]:
    """How many requests `kind`/`value` made within WINDOW, and the last one's time."""
    row = session.get(LoginThrottle, _key(kind, value.strip().lower()))
    if row is None or row.last_at <= now - WINDOW:
        return 0, None
    return row.failures, row.last_at
