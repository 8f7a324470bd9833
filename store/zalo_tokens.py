"""The Zalo OA's token row: read it, claim its renewal, store a renewal, mark it stranded.

Each function is one statement of compare-and-set (healthchecks' habit) so it is correct
on SQLite and PostgreSQL alike and across processes: a renewal is claimed by setting
`renewing_since` where nobody holds it (or the holder's lease ran out), and stored only
by the claim that holds it, at the generation it read. Callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import ZaloToken

NEVER = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    access_expires_at: datetime
    access_issued_at: datetime | None
    refresh_token: str
    generation: int
    renewing_since: datetime | None
    renewing_by: str | None
    stranded_at: datetime | None
    stranded_reason: str | None


def read(session: Session, oa_id: str) -> Tokens | None:
    row = session.get(ZaloToken, oa_id)
    if row is None:
        return None
    return Tokens(
        row.access_token,
        row.access_expires_at,
        row.access_issued_at,
        row.refresh_token,
        row.generation,
        row.renewing_since,
        row.renewing_by,
        row.stranded_at,
        row.stranded_reason,
    )


def seed(session: Session, oa_id: str, refresh_token: str) -> bool:
    """The first refresh token (from the settings) when the OA has no row yet; never
    over a row, whose refresh token is newer than any setting."""
    if session.get(ZaloToken, oa_id) is not None:
        return False
    session.add(
        ZaloToken(
            oa_id=oa_id,
            access_token="",
            access_expires_at=NEVER,
            refresh_token=refresh_token,
            generation=0,
        )
    )
    session.flush()
    return True


def claim(
    session: Session, oa_id: str, owner: str, lease: timedelta, now: datetime | None = None
) -> Tokens | None:
    """Take the renewal for `owner`, written before Zalo is called; None when another
    process holds it (within its lease) or the token is stranded."""
    now = now or utcnow()
    claimed = session.execute(
        sa.update(ZaloToken)
        .where(
            ZaloToken.oa_id == oa_id,
            ZaloToken.stranded_at.is_(None),
            sa.or_(ZaloToken.renewing_since.is_(None), ZaloToken.renewing_since < now - lease),
        )
        .values(renewing_since=now, renewing_by=owner, updated_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        return None
    session.expire_all()
    return read(session, oa_id)


def renewed(
    session: Session,
    oa_id: str,
    owner: str,
    generation: int,
    access_token: str,
    access_expires_at: datetime,
    refresh_token: str,
) -> bool:
    """Store the pair Zalo returned, only under `owner`'s claim at `generation`."""
    stored = session.execute(
        sa.update(ZaloToken)
        .where(
            ZaloToken.oa_id == oa_id,
            ZaloToken.generation == generation,
            ZaloToken.renewing_by == owner,
        )
        .values(
            access_token=access_token,
            access_expires_at=access_expires_at,
            access_issued_at=utcnow(),
            refresh_token=refresh_token,
            generation=generation + 1,
            renewing_since=None,
            renewing_by=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(stored)


def release(session: Session, oa_id: str, owner: str) -> None:
    """Give the claim back after a transient failure: nothing was consumed."""
    session.execute(
        sa.update(ZaloToken)
        .where(ZaloToken.oa_id == oa_id, ZaloToken.renewing_by == owner)
        .values(renewing_since=None, renewing_by=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def strand(session: Session, oa_id: str, owner: str, reason: str) -> None:
    """Zalo refused the stored refresh token: only a new authorisation can help."""
    session.execute(
        sa.update(ZaloToken)
        .where(ZaloToken.oa_id == oa_id, ZaloToken.renewing_by == owner)
        .values(
            stranded_at=utcnow(),
            stranded_reason=reason,
            renewing_since=None,
            renewing_by=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )


def authorize(session: Session, oa_id: str, refresh_token: str) -> None:
    """A refresh token from a new authorisation of the OA (`hanchot zalo authorize`):
    it replaces whatever the row held and clears a stranded state; the access token is
    renewed from it at the next send."""
    row = session.get(ZaloToken, oa_id)
    if row is None:
        seed(session, oa_id, refresh_token)
        return
    row.refresh_token = refresh_token
    row.access_token, row.access_expires_at = "", NEVER
    row.generation += 1
    row.renewing_since = row.renewing_by = None
    row.stranded_at = row.stranded_reason = None
    session.flush()
