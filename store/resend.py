"""A coordinator acts on messages in one step: resend one message as it was (to the
person's current address), or remind every overdue unit of a cycle now.

Both queue outbox rows that the notifier's sweep delivers at once (steps `resend:` and
`manual:` are among its system steps), keyed so a double click queues nothing twice: a
resend is numbered, a cycle's reminder is keyed by the minute it was asked. The words
come from the same payload as the workflow's reminders (`kind: reminder`), so the
message reads like one, with the deadline in force. Each action is kept in the audit log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines import present
from deadlines.expected import DeadlineStatus
from deadlines.model import Role
from store import deadline_facts, outbox
from store.models import (
    AuditEntry,
    Calendar,
    Cycle,
    Obligation,
    OutboxMessage,
    Person,
    Unit,
    UnitContact,
    UnitDeadline,
)
from store.scopes import Scope


def resend(session: Session, message_id: int, scope: Scope, by: str) -> int | None:
    """Queue a copy of outbox row `message_id`; its id, or None when out of scope."""
    row = session.execute(
        sa.select(OutboxMessage)
        .join(UnitDeadline, OutboxMessage.deadline_id == UnitDeadline.id, isouter=True)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.recipient_id.is_not(None),  # an account's mail: invite again instead
            sa.or_(OutboxMessage.deadline_id.is_(None), scope.units_clause(UnitDeadline.unit_id)),
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    tail = row.step.split(":", 2)[2] if row.step.startswith("resend:") else row.step
    done = session.scalar(
        sa.select(sa.func.count()).where(
            OutboxMessage.workflow_id == row.workflow_id,
            OutboxMessage.channel == row.channel,
            OutboxMessage.recipient_id == row.recipient_id,
            OutboxMessage.step.like(f"resend:%:{tail}"),
        )
    )
    copy = OutboxMessage(
        workflow_id=row.workflow_id,
        step=f"resend:{(done or 0) + 1}:{tail}"[:128],
        channel=row.channel,
        recipient_id=row.recipient_id,
        address=row.address,
        deadline_id=row.deadline_id,
        payload=dict(row.payload),
    )
    session.add(copy)
    session.flush()
    session.add(
        AuditEntry(
            actor=by,
            action="resent",
            subject=f"outbox:{row.id}",
            details={"copy": copy.id, "step": row.step},
        )
    )
    return copy.id


def remind_overdue(session: Session, cycle_id: int, scope: Scope, by: str, now: datetime) -> int:
    """Queue a reminder to the focal points of every overdue unit of the cycle within
    scope; how many units were reminded."""
    cycle = session.get(Cycle, cycle_id)
    if cycle is None:
        return 0
    snapshot: dict[str, Any] = dict((cycle.snapshot or {}).get("cycle") or {})
    obligation = session.get(Obligation, cycle.obligation_id)
    assert obligation is not None
    calendar_key = session.scalar(
        sa.select(Calendar.key).where(Calendar.id == obligation.calendar_id)
    )
    rows = session.execute(
        sa.select(UnitDeadline, Unit)
        .join(Unit, UnitDeadline.unit_id == Unit.id)
        .where(
            UnitDeadline.cycle_id == cycle_id,
            UnitDeadline.status == DeadlineStatus.OVERDUE,
            scope.units_clause(UnitDeadline.unit_id),
        )
        .order_by(Unit.id)
    ).all()
    step = f"{deadline_facts.MANUAL_STEP}{now:%Y%m%dT%H%M}"
    reminded = 0
    for deadline, unit in rows:
        focal = session.scalars(
            sa.select(Person.key)
            .join(UnitContact, UnitContact.person_id == Person.id)
            .where(UnitContact.unit_id == unit.id, UnitContact.role == Role.FOCAL_POINT)
            .order_by(UnitContact.position)
        ).all()
        payload = {
            "kind": "reminder",
            "step": step,
            "calendar": calendar_key,
            "obligation": obligation.key,
            "obligation_name": snapshot.get("obligation_name") or obligation.name,
            "period": cycle.period,
            "period_label": snapshot.get("period_label", ""),
            "due_text": snapshot.get("due_text", ""),
            "unit": unit.key,
            "unit_name": unit.name,
            "legal_end": present.last_day(deadline.due_at).isoformat(),
            "due_at": deadline.due_at.isoformat(),
            "data_window": snapshot.get("data_window"),
            "details": {"to": "focal_point", "step": step, "by": by},
        }
        queued = outbox.enqueue(
            session,
            workflow_id=deadline.workflow_id,
            calendar_key=str(calendar_key),
            step=step,
            recipients=list(focal),
            payload=payload,
        )
        reminded += bool(queued.queued)
    session.add(
        AuditEntry(
            actor=by,
            action="reminded_overdue",
            subject=f"cycle:{cycle.workflow_id}",
            details={"units": reminded, "step": step},
        )
    )
    return reminded
