"""The Zalo OA's token chains, one row per app the OA authorised: read them, claim a
renewal, store it, mark a chain stranded.

A renewal is claimed by setting `renewing_since` on the chain's row, and it is claimed
only while no other chain of the same OA holds a claim, live or lapsed: a lapsed claim
is a renewal *in doubt* (its process died between Zalo's answer and the write), which
only the claim of that same chain resolves (`notifier.zalo.oauth`). So at most one
renewal per OA is ever in doubt, and one crash can strand at most one chain. The rows
of the OA are locked first (FOR UPDATE on PostgreSQL; SQLite's writers take the
database lock at BEGIN), so two processes claiming two chains at once cannot both see
the other free. A renewal is stored only by the claim that holds it, at the generation
it read (compare-and-set, healthchecks' habit). Callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import ZaloToken

NEVER = datetime(1970, 1, 1, tzinfo=UTC)
UNKNOWN_APP = ""
"""The app id of a row written before apps were told apart (migration 0018)."""


@dataclass(frozen=True, slots=True)
class Tokens:
    app_id: str
    access_token: str
    access_expires_at: datetime
    access_issued_at: datetime | None
    refresh_token: str
    generation: int
    renewing_since: datetime | None
    renewing_by: str | None
    stranded_at: datetime | None
    stranded_reason: str | None

    def usable(self, now: datetime) -> bool:
        return bool(self.access_token) and self.access_expires_at > now

    def in_doubt(self, now: datetime, lease: timedelta) -> bool:
        """A renewal was claimed and never stored nor given back within its lease."""
        return self.renewing_since is not None and self.renewing_since < now - lease


def _tokens(row: ZaloToken) -> Tokens:
    return Tokens(
        row.app_id,
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


def _where(oa_id: str, app_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(ZaloToken.oa_id == oa_id, ZaloToken.app_id == app_id)


def chains(session: Session, oa_id: str) -> dict[str, Tokens]:
    """Every chain of the OA, by app id."""
    rows = session.scalars(sa.select(ZaloToken).where(ZaloToken.oa_id == oa_id))
    return {row.app_id: _tokens(row) for row in rows}


def adopt(session: Session, oa_id: str, primary_app_id: str) -> bool:
    """The row written before 0018 becomes the primary app's chain (its refresh token is
    newer than any setting), unless that app has a row of its own already."""
    if session.get(ZaloToken, (oa_id, UNKNOWN_APP)) is None:
        return False
    if session.get(ZaloToken, (oa_id, primary_app_id)) is not None:
        return False
    session.execute(
        sa.update(ZaloToken)
        .where(_where(oa_id, UNKNOWN_APP))
        .values(app_id=primary_app_id)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    return True


def seed(session: Session, oa_id: str, app_id: str, refresh_token: str) -> bool:
    """An app's first refresh token (from the settings) when its chain has no row yet;
    never over a row, whose refresh token is newer than any setting."""
    if session.get(ZaloToken, (oa_id, app_id)) is not None:
        return False
    try:
        with session.begin_nested():  # another process may seed it at the same moment
            session.add(
                ZaloToken(
                    oa_id=oa_id,
                    app_id=app_id,
                    access_token="",
                    access_expires_at=NEVER,
                    refresh_token=refresh_token,
                    generation=0,
                )
            )
    except IntegrityError:
        return False
    return True


def claim(
    session: Session,
    oa_id: str,
    app_id: str,
    owner: str,
    lease: timedelta,
    now: datetime | None = None,
) -> Tokens | None:
    """Take the renewal of `app_id`'s chain for `owner`, written before Zalo is called;
    None when the chain is stranded, its claim is held (within the lease), or another
    chain of the OA holds a claim or one in doubt."""
    now = now or utcnow()
    rows = session.scalars(
        sa.select(ZaloToken)
        .where(ZaloToken.oa_id == oa_id)
        .order_by(ZaloToken.app_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    mine = next((r for r in rows if r.app_id == app_id), None)
    if mine is None or mine.stranded_at is not None:
        return None
    if any(r.renewing_since is not None for r in rows if r is not mine):
        return None
    if mine.renewing_since is not None and mine.renewing_since >= now - lease:
        return None
    mine.renewing_since, mine.renewing_by, mine.updated_at = now, owner, now
    session.flush()
    return _tokens(mine)


def renewed(
    session: Session,
    oa_id: str,
    app_id: str,
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
            _where(oa_id, app_id),
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


def release(session: Session, oa_id: str, app_id: str, owner: str) -> None:
    """Give the claim back: Zalo answered without consuming the refresh token."""
    session.execute(
        sa.update(ZaloToken)
        .where(_where(oa_id, app_id), ZaloToken.renewing_by == owner)
        .values(renewing_since=None, renewing_by=None, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def strand(session: Session, oa_id: str, app_id: str, owner: str, reason: str) -> bool:
    """Zalo refused the chain's stored refresh token: only a new authorisation of that
    app can help. False when `owner` no longer held the claim (nothing changed)."""
    stranded = session.execute(
        sa.update(ZaloToken)
        .where(_where(oa_id, app_id), ZaloToken.renewing_by == owner)
        .values(
            stranded_at=utcnow(),
            stranded_reason=reason,
            renewing_since=None,
            renewing_by=None,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(stranded)


def refused(session: Session, oa_id: str, app_id: str, access_token: str) -> bool:
    """Zalo called this access token invalid (-216) before its time: it is not used
    again, and its chain renews it at the next send (unless it was renewed meanwhile)."""
    changed = session.execute(
        sa.update(ZaloToken)
        .where(_where(oa_id, app_id), ZaloToken.access_token == access_token)
        .values(access_expires_at=utcnow(), updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(changed)


def authorize(session: Session, oa_id: str, app_id: str, refresh_token: str) -> None:
    """A refresh token from a new authorisation of the OA for `app_id` (`hanchot zalo
    authorize`): it replaces what the chain held and clears a stranded state or a claim
    in doubt; the access token is renewed from it at the next send."""
    row = session.get(ZaloToken, (oa_id, app_id))
    if row is None:
        seed(session, oa_id, app_id, refresh_token)
        return
    row.refresh_token = refresh_token
    row.access_token, row.access_expires_at = "", NEVER
    row.generation += 1
    row.renewing_since = row.renewing_by = None
    row.stranded_at = row.stranded_reason = None
    session.flush()
