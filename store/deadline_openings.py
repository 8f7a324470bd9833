"""The "opened" events of a batch of unit deadlines, written in one transaction.

A cycle opens thousands of units at once. Mirroring each unit's first event through its
own activity cost a workflow task, an activity round trip and a commit per unit; the
cycle's batch activity writes them here instead, row for row as
store.deadlines_repo.apply_event writes an "opened" event (the deadline row and its audit
entry, seq 1), and hands each unit the instant it was recorded at. Idempotent, since
activities are retried: a unit whose deadline row exists is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.enums import DeadlineStatus
from store.models import AuditEntry, Calendar, Cycle, Unit, UnitDeadline


@dataclass(frozen=True, slots=True)
class Opened:
    """One unit's "opened" event, decided by deadlines.opening at the batch's instant."""

    workflow_id: str
    unit_key: str
    status: str
    legal_end_at: datetime
    details: dict[str, Any]


def record_opened(
    session: Session,
    cycle_workflow_id: str,
    calendar_key: str,
    events: list[Opened],
    at: datetime,
) -> dict[str, datetime]:
    """Write the events whose deadline row does not exist yet, all at `at`; return when
    each unit's "opened" event was recorded (`at`, or the instant already stored). A unit
    the store does not know is left out: its workflow records the event itself, and the
    store's refusal shows there as for any other event."""
    if not events:
        return {}
    known: dict[str, datetime] = dict(
        session.execute(
            sa.select(UnitDeadline.workflow_id, UnitDeadline.created_at).where(
                UnitDeadline.workflow_id.in_([e.workflow_id for e in events])
            )
        ).all()
    )
    fresh = [e for e in events if e.workflow_id not in known]
    cycle_id = session.scalar(sa.select(Cycle.id).where(Cycle.workflow_id == cycle_workflow_id))
    if not fresh or cycle_id is None:
        return known
    unit_ids = dict(
        session.execute(
            sa.select(Unit.key, Unit.id)
            .join(Calendar, Unit.calendar_id == Calendar.id)
            .where(Calendar.key == calendar_key, Unit.key.in_([e.unit_key for e in fresh]))
        ).all()
    )
    fresh = [e for e in fresh if e.unit_key in unit_ids]
    if not fresh:
        return known
    session.execute(
        sa.insert(UnitDeadline),
        [
            {
                "workflow_id": e.workflow_id,
                "cycle_id": cycle_id,
                "unit_id": unit_ids[e.unit_key],
                "status": DeadlineStatus(e.status),
                "legal_end_at": e.legal_end_at,
                "reminders_sent": 0,
                "last_event_at": at,
                "created_at": at,
            }
            for e in fresh
        ],
    )
    session.execute(
        sa.insert(AuditEntry),
        [
            {
                "at": at,
                "actor": "system",
                "action": "opened",
                "subject": f"deadline:{e.workflow_id}",
                "details": {"seq": 1, "status": e.status, **e.details},
            }
            for e in fresh
        ],
    )
    return known | {e.workflow_id: at for e in fresh}
