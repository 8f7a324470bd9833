"""Who holds an outbox row: claims named by their relay, honoured until a lease that the
relay renews while it lives, so that several relays share one outbox without sending a
row twice.

A relay first *reserves* the due rows it will send (`reserve`: still `pending`, stamped
with its claim and lease; on PostgreSQL `FOR UPDATE SKIP LOCKED`, so relays sweeping at
the same moment take different rows instead of queueing on each other's locks; SQLite
has one writer at a time and the same conditional update is enough). Just before a send
the row becomes `sending` under the same claim (`take`, attempts + 1). Only the claim
that holds the row records what became of the send (`owned`): a relay whose lease ran
out (it could not renew: its process hung, its database connection was cut) writes
nothing over the relay that took the row after it. Reserved rows of a relay that stops
go back at once (`release`), or when their lease runs out if it died.

A claim is `<relay instance>/<number>`: the instance (`host:pid:random`) says which
process holds it, the number which of its sweeps or single deliveries.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.enums import OutboxStatus
from store.models import OutboxMessage

_O = OutboxMessage


def expired(now: datetime, lease: timedelta) -> sa.ColumnElement[bool]:
    """The row's claim has run out (a row claimed before claims had leases: by its age)."""
    return sa.or_(
        _O.lease_until < now,
        sa.and_(_O.lease_until.is_(None), _O.updated_at < now - lease),
    )


def _not_alive(alive: Collection[str]) -> sa.ColumnElement[bool]:
    """Not held by one of `alive`: this relay's own open claims, alive whatever their
    lease says (a lease runs out while the database is unreachable and the keeper cannot
    renew it; the relay that holds it is still sending or recording, and must not be
    raced by its own next sweep)."""
    if not alive:
        return sa.true()
    return sa.or_(_O.claimed_by.is_(None), _O.claimed_by.not_in(list(alive)))


def unheld(now: datetime, lease: timedelta, alive: Collection[str] = ()) -> sa.ColumnElement[bool]:
    """Rows no live claim holds: pending and unreserved, or their claim has run out (and
    is none of `alive`)."""
    return sa.and_(
        sa.or_(
            sa.and_(
                _O.status == OutboxStatus.PENDING,
                sa.or_(_O.claimed_by.is_(None), _O.lease_until.is_(None), _O.lease_until < now),
            ),
            sa.and_(_O.status == OutboxStatus.SENDING, expired(now, lease)),
        ),
        _not_alive(alive),
    )


def reserve(
    session: Session,
    ids: Collection[int],
    claim: str,
    now: datetime,
    lease: timedelta,
    alive: Collection[str] = (),
) -> set[int]:
    """Reserve those of `ids` no live claim holds (a row another relay is reserving at
    this moment is skipped, not waited for); the ids reserved."""
    if not ids:
        return set()
    pick = sa.select(_O.id).where(_O.id.in_(list(ids)), unheld(now, lease, alive))
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)  # SQLite: BEGIN IMMEDIATE serialises
    result = session.execute(
        sa.update(_O)
        .where(_O.id.in_(pick.scalar_subquery()), unheld(now, lease, alive))
        .values(
            status=OutboxStatus.PENDING,
            claimed_by=claim,
            lease_until=now + lease,
            updated_at=_O.updated_at,  # a reservation is not an attempt: backoffs keep
        )
        .returning(_O.id)
        .execution_options(synchronize_session=False)
    )
    return set(result.scalars())


def take(
    session: Session,
    row_id: int,
    claim: str,
    now: datetime,
    lease: timedelta,
    alive: Collection[str] = (),
) -> bool:
    """The row becomes `sending` under `claim` (reserved by it, or held by nobody: not by
    another of `alive`, this relay's open claims)."""
    mine_or_free = sa.or_(
        sa.and_(
            _O.status == OutboxStatus.PENDING,
            sa.or_(
                _O.claimed_by.is_(None),
                _O.claimed_by == claim,
                _O.lease_until.is_(None),
                _O.lease_until < now,
            ),
        ),
        sa.and_(_O.status == OutboxStatus.SENDING, expired(now, lease)),
    )
    return bool(
        session.execute(
            sa.update(_O)
            .where(_O.id == row_id, mine_or_free, _not_alive(set(alive) - {claim}))
            .values(
                status=OutboxStatus.SENDING,
                attempts=_O.attempts + 1,
                claimed_by=claim,
                lease_until=now + lease,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def owned(row_id: int, claim: str, attempts: int) -> sa.ColumnElement[bool]:
    """The row is still in the send `claim` took as attempt number `attempts`."""
    return sa.and_(
        _O.id == row_id,
        _O.status == OutboxStatus.SENDING,
        _O.claimed_by == claim,
        _O.attempts == attempts,
    )


def renew(session: Session, claims: Collection[str], now: datetime, lease: timedelta) -> int:
    """Every row the live `claims` hold keeps them for another `lease`."""
    if not claims:
        return 0
    return int(
        session.execute(
            sa.update(_O)
            .where(
                _O.claimed_by.in_(list(claims)),
                _O.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            )
            .values(lease_until=now + lease, updated_at=_O.updated_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def release(session: Session, claim: str) -> int:
    """Rows `claim` reserved and never sent are free again at once."""
    return int(
        session.execute(
            sa.update(_O)
            .where(_O.claimed_by == claim, _O.status == OutboxStatus.PENDING)
            .values(claimed_by=None, lease_until=None, updated_at=_O.updated_at)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )
