"""Which deadline a reply token names, by lookup: `unit_deadlines.reply_token` holds each
deadline's token, indexed, so a reply costs one indexed read and one HMAC to confirm it,
not an HMAC of every deadline (100-200 ms per reply at 10,000 deadlines, issue 20).

The token is an HMAC of the workflow id under the deployment's secret, which only the
notifier's side knows; so the column is a cache the notifier keeps:
- rows still empty (deadlines opened since) are signed when a token misses, and stored
  when the caller may write (`hanchot mail explain` never writes: it signs in memory);
- a hit is confirmed by signing its workflow id again, so a stale value never matches;
- a miss with a stale column (the secret changed, or a backup came from another
  deployment) re-signs every row once, then looks again.
Tokens in mail already sent are the same HMACs, so they keep matching.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import sqlalchemy as sa

from notifier import tokens
from notifier.delivery import Store
from store.models import UnitDeadline

log = logging.getLogger(__name__)

BATCH = 2000
_table = UnitDeadline.__table__
_fill = (
    sa.update(_table)
    .where(_table.c.id == sa.bindparam("row_id"))
    # updated_at set to itself: a cache being filled is no change of the deadline
    .values(reply_token=sa.bindparam("token"), updated_at=_table.c.updated_at)
)


def _unsigned(store: Store, limit: int) -> Sequence[sa.Row[tuple[int, str]]]:
    with store.read() as session:
        return session.execute(
            sa.select(UnitDeadline.id, UnitDeadline.workflow_id)
            .where(UnitDeadline.reply_token.is_(None))
            .order_by(UnitDeadline.id)
            .limit(limit)
        ).all()


def fill(store: Store, secret: str, batch: int = BATCH) -> int:
    """Sign and store the token of every deadline that has none; how many were signed."""
    signed = 0
    while rows := _unsigned(store, batch):
        params = [
            {"row_id": r.id, "token": tokens.deadline_token(secret, r.workflow_id)} for r in rows
        ]
        with store.write() as session:
            session.connection().execute(_fill, params)
        signed += len(rows)
        if len(rows) < batch:
            break
    return signed


def stale(store: Store, secret: str) -> bool:
    """Whether the stored tokens were signed under another secret (one row tells)."""
    with store.read() as session:
        row = session.execute(
            sa.select(UnitDeadline.workflow_id, UnitDeadline.reply_token)
            .where(UnitDeadline.reply_token.is_not(None))
            .order_by(UnitDeadline.id.desc())
            .limit(1)
        ).first()
    return row is not None and row.reply_token != tokens.deadline_token(secret, row.workflow_id)


def refresh(store: Store, secret: str) -> int:
    """Re-sign every row when the column is stale, else fill the empty ones (the
    notifier's start)."""
    if stale(store, secret):
        log.warning("reply tokens were signed under another secret: signing them again")
        with store.write() as session:
            session.execute(
                sa.update(_table)
                .where(_table.c.reply_token.is_not(None))
                .values(reply_token=None, updated_at=_table.c.updated_at)
            )
    return fill(store, secret)


def _indexed(store: Store, secret: str, token: str) -> int | None:
    with store.read() as session:
        rows = session.execute(
            sa.select(UnitDeadline.id, UnitDeadline.workflow_id).where(
                UnitDeadline.reply_token == token
            )
        ).all()
    return next((r.id for r in rows if tokens.deadline_token(secret, r.workflow_id) == token), None)


def _in_memory(store: Store, secret: str, token: str, every: bool) -> int | None:
    """Among the rows not yet signed (`every`: all rows), without storing anything."""
    found = None
    after = 0
    unsigned = sa.true() if every else UnitDeadline.reply_token.is_(None)
    while True:
        with store.read() as session:
            rows = session.execute(
                sa.select(UnitDeadline.id, UnitDeadline.workflow_id)
                .where(unsigned, UnitDeadline.id > after)
                .order_by(UnitDeadline.id)
                .limit(BATCH)
            ).all()
        for r in rows:
            if found is None and tokens.deadline_token(secret, r.workflow_id) == token:
                found = r.id
        if found is not None or len(rows) < BATCH:
            return found
        after = rows[-1].id


def deadline_of(store: Store, secret: str, token: str, *, writes: bool = True) -> int | None:
    """The id of the deadline whose reply token this is, or None. Blocking: the poller
    calls it from a thread, never on the event loop.

    A hit costs one indexed read and one HMAC. Only a miss looks further: deadlines not
    yet signed (opened since the notifier started), then a stale column."""
    found = _indexed(store, secret, token)
    if found is not None:
        return found
    if not writes:
        return _in_memory(store, secret, token, every=stale(store, secret))
    if fill(store, secret):
        found = _indexed(store, secret, token)
    if found is None and stale(store, secret):
        refresh(store, secret)
        found = _indexed(store, secret, token)
    return found
