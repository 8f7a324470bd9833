"""The Zalo webhook's inbound queue (`zalo_inbound`): events stored as verified, then
handled one user's at a time, in order, by whichever process claims them.

`accept` stores an event once (a delivery Zalo repeats finds its key taken). `claim`
takes the head of each user's queue (the oldest event not done or failed) when nobody
holds it: waiting, or handling under a claim whose lease ran out (its process died). A
user whose head is held is skipped, so one user's events never run side by side while
other users' go on. Every change is a compare-and-set on status and claim, as in
`store.claims`: two processes never both take one event, and a process whose lease ran
out writes nothing over the one that took the event after it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.enums import ZaloEventStatus
from store.models import ZaloInbound

_Z = ZaloInbound
OPEN = (ZaloEventStatus.WAITING, ZaloEventStatus.HANDLING)
MAX_ATTEMPTS = 3
"""Claims an event may outlive: one that took its process down this often is failed."""


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    user_id: str
    body: str
    attempts: int


def accept(session: Session, key: str, user_id: str, event_name: str, body: str) -> bool:
    """Store the event; False when it was already stored (a repeated delivery)."""
    if session.scalar(sa.select(_Z.id).where(_Z.event_key == key)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(_Z(event_key=key, user_id=user_id, event_name=event_name, body=body))
    except IntegrityError:
        return False  # stored by another process at the same moment
    return True


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    return sa.or_(
        _Z.status == ZaloEventStatus.WAITING,
        sa.and_(_Z.status == ZaloEventStatus.HANDLING, _Z.lease_until < now),
    )


def claim(
    session: Session, claim_id: str, now: datetime, lease: timedelta, limit: int
) -> list[Claimed]:
    """Take up to `limit` heads of users' queues (one per user) for `claim_id`."""
    if limit <= 0:
        return []
    heads = sa.select(sa.func.min(_Z.id)).where(_Z.status.in_(OPEN)).group_by(_Z.user_id)
    pick = (
        sa.select(_Z.id)
        .where(_Z.id.in_(heads.scalar_subquery()), _claimable(now))
        .order_by(_Z.id)
        .limit(limit)
    )
    rows = session.execute(
        sa.update(_Z)
        .where(_Z.id.in_(list(session.scalars(pick))), _claimable(now))
        .values(
            status=ZaloEventStatus.HANDLING,
            claimed_by=claim_id,
            lease_until=now + lease,
            attempts=_Z.attempts + 1,
        )
        .returning(_Z.id, _Z.user_id, _Z.body, _Z.attempts)
        .execution_options(synchronize_session=False)
    ).all()
    return sorted((Claimed(*row) for row in rows), key=lambda c: c.id)


def finish(
    session: Session, event_id: int, claim_id: str, now: datetime, error: str | None = None
) -> bool:
    """Done (or failed, with why) if `claim_id` still holds it; False when it does not."""
    return bool(
        session.execute(
            sa.update(_Z)
            .where(
                _Z.id == event_id,
                _Z.status == ZaloEventStatus.HANDLING,
                _Z.claimed_by == claim_id,
            )
            .values(
                status=ZaloEventStatus.FAILED if error is not None else ZaloEventStatus.DONE,
                error=error,
                handled_at=now,
                lease_until=None,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def renew(session: Session, claim_id: str, now: datetime, lease: timedelta) -> int:
    """The events `claim_id` is handling stay its for another `lease`."""
    return int(
        session.execute(
            sa.update(_Z)
            .where(_Z.claimed_by == claim_id, _Z.status == ZaloEventStatus.HANDLING)
            .values(lease_until=now + lease)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def release(session: Session, claim_id: str, ids: Collection[int]) -> int:
    """Events `claim_id` took but did not handle (a clean stop) wait again at once."""
    if not ids:
        return 0
    return int(
        session.execute(
            sa.update(_Z)
            .where(
                _Z.id.in_(list(ids)),
                _Z.claimed_by == claim_id,
                _Z.status == ZaloEventStatus.HANDLING,
            )
            .values(
                status=ZaloEventStatus.WAITING,
                claimed_by=None,
                lease_until=None,
                attempts=_Z.attempts - 1,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def prune(session: Session, before: datetime) -> int:
    """Forget events handled before `before` (their outcome is in `inbound_messages`)."""
    return int(
        session.execute(
            sa.delete(_Z)
            .where(_Z.status == ZaloEventStatus.DONE, _Z.handled_at < before)
            .execution_options(synchronize_session=False)
        ).rowcount
        or 0
    )


def counts(session: Session) -> dict[ZaloEventStatus, int]:
    """How many events are in each state (for `hanchot doctor` and tests)."""
    rows = session.execute(sa.select(_Z.status, sa.func.count()).group_by(_Z.status))
    return {ZaloEventStatus(status): int(n) for status, n in rows}


@dataclass(frozen=True, slots=True)
class Backlog:
    """What `hanchot doctor` says of the queue: events not yet handled (and since when),
    and events failed since `since` with the last reason."""

    open: int
    oldest_open: datetime | None
    failed: int
    last_error: str | None


def backlog(session: Session, since: datetime) -> Backlog:
    open_count, oldest = session.execute(
        sa.select(sa.func.count(), sa.func.min(_Z.received_at)).where(_Z.status.in_(OPEN))
    ).one()
    failed = session.scalar(
        sa.select(sa.func.count()).where(
            _Z.status == ZaloEventStatus.FAILED, _Z.handled_at >= since
        )
    )
    last = session.scalar(
        sa.select(_Z.error)
        .where(_Z.status == ZaloEventStatus.FAILED, _Z.handled_at >= since)
        .order_by(_Z.handled_at.desc(), _Z.id.desc())
        .limit(1)
    )
    return Backlog(int(open_count or 0), oldest, int(failed or 0), last)
