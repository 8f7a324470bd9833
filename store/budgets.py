"""Providers' rate limits shared by every relay through the store: at most `count` sends in
any `window` under a `key`.

One shape for every channel, so a new one reuses it as is:

    Budget(key="telegram:123456:bot", window=1.05, count=30)     # per bot
    Budget(key="telegram:123456:chat:-1001", window=1.05, count=1)  # per chat
    Budget(key="smtp:mail.example.vn:587", window=60, count=100)  # per SMTP server
    Budget(key="zalo:<oa id>", window=..., count=...)             # a Zalo OA, say

    take(session, [bot, chat], now=time.time())  ->  Slot(at, granted)

`take` finds the earliest moment, not before `now`, at which one more send fits every
budget given at once, and takes it in each (`granted`) if it is at most `ahead` seconds
away; otherwise it takes nothing and says when to ask again. Times are epoch seconds
(wall clock: the processes share no monotonic clock); the key names the provider's
account, never a secret (a bot by its numeric id, not its token). A key's slots are
kept in order, so the check is exact: the `count`-th latest slot plus `window`.

Who shares a budget: each process sending under it says so every second (`present`, a
row `<key>:relay:<instance>` with no slots); alone, a process need not ask the store for
every send (see `notifier.pacing.SharedBudgets`).

Each budget is one row (`rate_budgets`), locked for the transaction: `SELECT ... FOR
UPDATE` on PostgreSQL (keys in order, so two takers never deadlock), the single writer
on SQLite. The process keeps its own pacer as the fast path (`notifier.pacing`); the
store is what the processes agree on. Windows carry the margin the caller wants (a
release time is what is recorded, not the provider's arrival).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import RateBudget


@dataclass(frozen=True, slots=True)
class Budget:
    key: str
    window: float
    """Seconds."""
    count: int


@dataclass(frozen=True, slots=True)
class Slot:
    at: float
    """Epoch seconds: when the send may go (granted), or when to ask again."""
    granted: bool


def _insert(session: Session) -> type[postgresql.Insert] | type[sqlite.Insert]:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _rows(session: Session, budgets: Sequence[Budget]) -> dict[str, RateBudget]:
    """The budgets' rows, created if new, locked until the transaction ends."""
    insert = _insert(session)
    for budget in budgets:
        session.execute(
            insert(RateBudget)  # type: ignore[arg-type]
            .values(
                key=budget.key,
                window_ms=round(budget.window * 1000),
                count=budget.count,
                slots=[],
                updated_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["key"])
        )
    query = (
        sa.select(RateBudget)
        .where(RateBudget.key.in_([b.key for b in budgets]))
        .order_by(RateBudget.key)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {row.key: row for row in session.scalars(query)}


def earliest(slots: Sequence[float], budget: Budget, now: float) -> float:
    """When one more send fits `budget`, given its slots (in order), not before `now`."""
    at = now
    if slots:
        at = max(at, slots[-1])
    if len(slots) >= budget.count:
        at = max(at, slots[-budget.count] + budget.window)
    return at


def take(
    session: Session,
    budgets: Sequence[Budget],
    now: float | Callable[[], float],
    ahead: float = 1.0,
) -> Slot:
    """One send's slot in every budget at once (see the module's docstring). Given a
    clock, `now` is read once the budgets are locked: a wait for the lock is not counted
    as time the send had already gone."""
    budgets = sorted({b.key: b for b in budgets}.values(), key=lambda b: b.key)
    rows = _rows(session, budgets)
    now = now() if callable(now) else now
    at = max(earliest(list(rows[b.key].slots), b, now) for b in budgets)
    if at - now > ahead:
        return Slot(at, granted=False)
    for budget in budgets:
        row = rows[budget.key]
        row.slots = [*row.slots, at][-budget.count :]
        row.window_ms = round(budget.window * 1000)
        row.count = budget.count
    session.flush()
    return Slot(at, granted=True)


def forget(session: Session, idle: timedelta, now: datetime | None = None) -> int:
    """Drop budgets nobody took a slot of for `idle` (a chat written to once a year)."""
    cutoff = (now or utcnow()) - idle
    return int(
        session.execute(sa.delete(RateBudget).where(RateBudget.updated_at < cutoff)).rowcount or 0
    )


@dataclass(frozen=True, slots=True)
class Presence:
    others: int
    """Other processes that said they send under the key within `ttl`."""
    known: bool
    """Whether this process had said so within `ttl` before now (the others know of it)."""


def present(session: Session, key: str, instance: str, now: datetime, ttl: timedelta) -> Presence:
    """This process sends under `key` (now); how many others do."""
    prefix = f"{key}:relay:"
    mine = f"{prefix}{instance}"[:255]
    before = session.get(RateBudget, mine)
    known = before is not None and before.updated_at >= now - ttl
    session.execute(
        _insert(session)(RateBudget)  # type: ignore[arg-type]
        .values(key=mine, window_ms=0, count=0, slots=[], updated_at=now)
        .on_conflict_do_update(index_elements=["key"], set_={"updated_at": now})
    )
    others = session.scalar(
        sa.select(sa.func.count()).where(
            RateBudget.key.startswith(prefix, autoescape=True),
            RateBudget.key != mine,
            RateBudget.updated_at >= now - ttl,
        )
    )
    return Presence(int(others or 0), known)
