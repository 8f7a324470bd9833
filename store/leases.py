"""Leases in the store: one holder at a time for a job that must run once (the mailbox
poller, Telegram long polling), handed over when the holder stops renewing.

Every change is a compare-and-set on the lease's row: take it when it is free or run out,
renew it only while it is still ours (same holder, same epoch), give it up only if it is
ours. Time is the database's on PostgreSQL (`now()`), so processes on machines whose
clocks disagree still agree on when a lease runs out; SQLite is one machine, whose clock
every process shares. Works the same on both; the caller (`notifier.leader`) decides how
often to renew and when to stop trusting a grant it could not renew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import Lease


@dataclass(frozen=True, slots=True)
class Grant:
    name: str
    holder: str
    epoch: int
    expires_at: datetime


def _now(session: Session) -> datetime:
    if session.get_bind().dialect.name == "postgresql":
        value = session.scalar(sa.select(sa.func.now()))
        assert isinstance(value, datetime)
        return value
    return utcnow()


def acquire(session: Session, name: str, holder: str, ttl: timedelta) -> Grant | None:
    """The lease for `holder` if it is free, run out or already `holder`'s (then renewed);
    None while someone else holds it. The epoch moves on when the holder changes."""
    now = _now(session)
    expires = now + ttl
    changed = session.execute(
        sa.update(Lease)
        .where(Lease.name == name, sa.or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(
            epoch=sa.case((Lease.holder == holder, Lease.epoch), else_=Lease.epoch + 1),
            acquired_at=sa.case((Lease.holder == holder, Lease.acquired_at), else_=now),
            holder=holder,
            expires_at=expires,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        if session.get(Lease, name) is not None:
            return None  # held by another, not run out
        inserted = _insert_new(session, name, holder, now, expires)
        if not inserted:
            return None  # another process created it at the same moment
    epoch = session.scalar(sa.select(Lease.epoch).where(Lease.name == name))
    assert epoch is not None
    return Grant(name, holder, epoch, expires)


def _insert_new(session: Session, name: str, holder: str, now: datetime, expires: datetime) -> bool:
    dialect = session.get_bind().dialect.name
    values = {"name": name, "holder": holder, "epoch": 1, "expires_at": expires, "acquired_at": now}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(Lease).values(**values).on_conflict_do_nothing()
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(Lease).values(**values).on_conflict_do_nothing()
    # rowcount is not reliable for ON CONFLICT DO NOTHING: a returned row is
    return session.execute(stmt.returning(Lease.name)).first() is not None


def renew(session: Session, grant: Grant, ttl: timedelta) -> Grant | None:
    """The grant extended by `ttl` from now, if it is still this holder's at this epoch
    (even run out, as long as nobody took it since); None once it changed hands."""
    expires = _now(session) + ttl
    changed = session.execute(
        sa.update(Lease)
        .where(
            Lease.name == grant.name,
            Lease.holder == grant.holder,
            Lease.epoch == grant.epoch,
        )
        .values(expires_at=expires)
        .execution_options(synchronize_session=False)
    ).rowcount
    return Grant(grant.name, grant.holder, grant.epoch, expires) if changed else None


def release(session: Session, grant: Grant) -> bool:
    """Give the lease up at once (a clean stop), so the next holder need not wait for it
    to run out; False when it was no longer ours."""
    changed = session.execute(
        sa.update(Lease)
        .where(
            Lease.name == grant.name,
            Lease.holder == grant.holder,
            Lease.epoch == grant.epoch,
        )
        .values(expires_at=_now(session))
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)


def holder(session: Session, name: str) -> Grant | None:
    """Who holds `name` now, or None when nobody does (never taken, or run out)."""
    lease = session.get(Lease, name)
    if lease is None or lease.expires_at <= _now(session):
        return None
    return Grant(lease.name, lease.holder, lease.epoch, lease.expires_at)
