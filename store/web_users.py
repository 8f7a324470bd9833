"""Dashboard accounts and sessions as rows: find, add, lock, open and close.

Password hashing belongs to the web package (`web.passwords`); this module stores what
it is given. A session row holds the sha256 of its cookie token, never the token.
Failed logins are not counted here: an account lock is one anyone can trigger, so
`store.login_throttle` delays where the guesses come from instead.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import Calendar, Unit, WebRole, WebSession, WebUser


class UnitNotFound(LookupError):
    """The scope named no unit, or more than one (then give `calendar/unit`)."""

    def __init__(self, ref: str, matches: list[str]) -> None:
        super().__init__(ref)
        self.ref = ref
        self.matches = matches


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normal_email(email: str) -> str:
    return email.strip().lower()


def find_unit(session: Session, ref: str) -> Unit:
    """The unit named `calendar/unit` or a bare unit key that only one calendar has."""
    query = sa.select(Unit, Calendar.key).join(Calendar, Unit.calendar_id == Calendar.id)
    if "/" in ref:
        calendar_key, unit_key = ref.split("/", 1)
        query = query.where(Calendar.key == calendar_key, Unit.key == unit_key)
    else:
        query = query.where(Unit.key == ref)
    rows = session.execute(query.where(Unit.removed_at.is_(None))).all()
    if len(rows) != 1:
        raise UnitNotFound(ref, sorted(f"{cal}/{unit.key}" for unit, cal in rows))
    return rows[0][0]


def user_by_email(session: Session, email: str) -> WebUser | None:
    return session.scalar(sa.select(WebUser).where(WebUser.email == normal_email(email)))


def add_user(
    session: Session,
    *,
    email: str,
    name: str,
    password_hash: str | None,
    role: WebRole,
    scope_unit: Unit | None,
) -> WebUser:
    user = WebUser(
        email=normal_email(email),
        name=name,
        password_hash=password_hash,
        role=role,
        scope_unit=scope_unit,
    )
    session.add(user)
    session.flush()
    return user


def list_users(session: Session) -> list[tuple[WebUser, str | None]]:
    """Every account with its scope as `calendar/unit` (None: everything)."""
    rows = session.execute(
        sa.select(WebUser, Calendar.key, Unit.key)
        .outerjoin(Unit, WebUser.scope_unit_id == Unit.id)
        .outerjoin(Calendar, Unit.calendar_id == Calendar.id)
        .order_by(WebUser.email)
    )
    return [(u, f"{cal}/{unit}" if unit else None) for u, cal, unit in rows]


def count_users(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(WebUser)) or 0


def login_succeeded(session: Session, user: WebUser, now: datetime | None = None) -> None:
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now or utcnow()
    session.flush()


def open_session(
    session: Session, user: WebUser, token: str, lifetime: timedelta, now: datetime | None = None
) -> WebSession:
    now = now or utcnow()
    row = WebSession(
        token_hash=token_hash(token), user_id=user.id, created_at=now, expires_at=now + lifetime
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True, slots=True)
class SessionUser:
    """Who is logged in, as plain values (safe to keep after the DB session closes)."""

    id: int
    email: str
    name: str
    role: WebRole
    scope_unit_id: int | None
    scope_name: str | None
    expires_at: datetime


def session_user(session: Session, token: str, now: datetime | None = None) -> SessionUser | None:
    """The active user of an unexpired session, or None."""
    row = session.execute(
        sa.select(WebUser, WebSession.expires_at, Unit.name)
        .join(WebSession, WebSession.user_id == WebUser.id)
        .outerjoin(Unit, WebUser.scope_unit_id == Unit.id)
        .where(
            WebSession.token_hash == token_hash(token),
            WebSession.expires_at > (now or utcnow()),
            WebUser.active.is_(True),
        )
    ).first()
    if row is None:
        return None
    user, expires_at, scope_name = row
    return SessionUser(
        user.id, user.email, user.name, user.role, user.scope_unit_id, scope_name, expires_at
    )


def close_session(session: Session, token: str) -> None:
    session.execute(sa.delete(WebSession).where(WebSession.token_hash == token_hash(token)))


def close_user_sessions(session: Session, user_id: int) -> int:
    result = session.execute(sa.delete(WebSession).where(WebSession.user_id == user_id))
    return int(getattr(result, "rowcount", 0))


def purge_expired_sessions(session: Session, now: datetime | None = None) -> int:
    result = session.execute(
        sa.delete(WebSession).where(WebSession.expires_at <= (now or utcnow()))
    )
    return int(getattr(result, "rowcount", 0))
