"""What happens next in a cycle, read from its frozen timeline: the overview's "Việc tiếp
theo" column. The steps are read with a JSON path, so the snapshot's unit list (large for
a province) stays in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import Cycle


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
    for cycle_id, listed in session.execute(
        sa.select(Cycle.id, steps).where(Cycle.id.in_(cycle_ids))
    ):
        upcoming = sorted(
            (at, str(step.get("kind", "")))
            for step in (listed or [])
            if (at := _instant(step.get("at"))) and at > now
        )
        if upcoming:
            out[cycle_id] = NextStep(upcoming[0][1], upcoming[0][0])
    return out


def _instant(text: object) -> datetime | None:
    try:
        found = datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found and found.tzinfo is None else found
