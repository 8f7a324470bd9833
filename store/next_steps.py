"""What happens next in a cycle, read from its frozen timeline: the overview's "Việc tiếp
theo" column. The steps are read with a JSON path, so the snapshot's unit list (large for
a province) stays in the database. A cycle that opened after some of its steps also has
the catch-up its deadlines recorded when they opened."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import AuditEntry, Cycle, UnitDeadline


@dataclass(frozen=True, slots=True)
class NextStep:
    kind: str
    """"remind" or "escalate"."""
    at: datetime


def next_steps(session: Session, cycle_ids: list[int], now: datetime) -> dict[int, NextStep]:
    """cycle id -> its first reminder or escalation after `now`."""
    if not cycle_ids:
        return {}
    steps = Cycle.snapshot["cycle"]["timeline"]["steps"]
    out: dict[int, NextStep] = {}
    for cycle_id, listed, opened_at in session.execute(
        sa.select(Cycle.id, steps, Cycle.opened_at).where(Cycle.id.in_(cycle_ids))
    ):
        planned = [(_instant(step.get("at")), str(step.get("kind", ""))) for step in listed or []]
        upcoming = sorted((at, kind) for at, kind in planned if at and at > now)
        opened = _instant(opened_at)
        if opened and any(at and at <= opened for at, _ in planned):
            upcoming = sorted([*upcoming, *_catch_up(session, cycle_id, now)])
        if upcoming:
            out[cycle_id] = NextStep(upcoming[0][1], upcoming[0][0])
    return out


def _catch_up(session: Session, cycle_id: int, now: datetime) -> list[tuple[datetime, str]]:
    """A cycle opened after some of its steps sends a catch-up instead (deadlines.catchup),
    which its frozen timeline does not hold: the one its latest opened deadline recorded."""
    latest = session.scalar(
        sa.select(UnitDeadline.workflow_id)
        .where(UnitDeadline.cycle_id == cycle_id)
        .order_by(UnitDeadline.created_at.desc(), UnitDeadline.id.desc())
        .limit(1)
    )
    details = session.scalar(
        sa.select(AuditEntry.details)
        .where(AuditEntry.subject == f"deadline:{latest}", AuditEntry.action == "opened")
        .limit(1)
    )
    caught = details.get("catch_up") if isinstance(details, dict) else None
    return [
        (at, str(c.get("step", "")).split(":", 1)[0])
        for c in caught or []
        if (at := _instant(c.get("at"))) and at > now
    ]


def _instant(text: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found and found.tzinfo is None else found
