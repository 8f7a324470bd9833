"""The coordinator's work lists: extension requests waiting for a decision and the
outbox, each restricted to a `Scope`. Replies the engine could not match (quarantine)
are listed and resolved in `store.quarantine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.expected import DeadlineStatus
from store.enums import Channel, ExtensionStatus, OutboxStatus
from store.models import (
    Cycle,
    ExtensionRequest,
    Obligation,
    OutboxMessage,
    Person,
    Unit,
    UnitDeadline,
)
from store.scopes import Scope

_LABEL = Cycle.snapshot["cycle"]["period_label"].as_string()


@dataclass(frozen=True, slots=True)
class PendingExtension:
    id: int
    workflow_id: str
    unit_id: int
    unit_name: str
    obligation_name: str
    period_label: str
    status: DeadlineStatus
    due_at: datetime
    days: int
    reason: str
    requested_by: str
    requested_at: datetime


def pending_extensions(
    session: Session, scope: Scope, only: int | None = None
) -> list[PendingExtension]:
    """Requests still waiting for a decision, oldest first (the order to answer them in)."""
    query = (
        sa.select(
            ExtensionRequest.id,
            UnitDeadline.workflow_id,
            Unit.id,
            Unit.name,
            Obligation.name,
            _LABEL,
            UnitDeadline.status,
            UnitDeadline.legal_end_at,
            UnitDeadline.extended_until,
            ExtensionRequest.requested_days,
            ExtensionRequest.reason,
            Person.name,
            ExtensionRequest.requested_at,
        )
        .join(UnitDeadline, ExtensionRequest.deadline_id == UnitDeadline.id)
        .join(Unit, UnitDeadline.unit_id == Unit.id)
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .outerjoin(Person, ExtensionRequest.requested_by_id == Person.id)
        .where(
            ExtensionRequest.status == ExtensionStatus.REQUESTED,
            scope.units_clause(UnitDeadline.unit_id),
        )
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    )
    if only is not None:
        query = query.where(ExtensionRequest.id == only)
    out = []
    for row in session.execute(query):
        rid, wid, uid, uname, oname, label, status, legal, extended, days, reason, by, at = row
        out.append(
            PendingExtension(
                rid,
                wid,
                uid,
                uname,
                oname,
                label or "",
                status,
                extended or legal,
                days,
                reason or "",
                by or "",
                at,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class OutboxLine:
    id: int
    created_at: datetime
    sent_at: datetime | None
    channel: Channel
    recipient: str
    address: str
    step: str
    status: OutboxStatus
    attempts: int
    last_error: str | None
    workflow_id: str
    unit_id: int | None
    unit_name: str | None
    payload: dict[str, Any]
    recipient_id: int = 0
    """The person's id: with workflow, step and channel it names the row (its reference)."""


def outbox(
    session: Session,
    scope: Scope,
    *,
    status: str | None = None,
    channel: str | None = None,
    only: int | None = None,
    limit: int = 500,
) -> list[OutboxLine]:
    """Messages out (in the embedded default: every message that would have gone out)."""
    query = (
        sa.select(OutboxMessage, Person.name, Unit.id, Unit.name)
        .join(Person, OutboxMessage.recipient_id == Person.id)
        .outerjoin(UnitDeadline, OutboxMessage.deadline_id == UnitDeadline.id)
        .outerjoin(Unit, UnitDeadline.unit_id == Unit.id)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    if not scope.everything:
        query = query.where(scope.units_clause(UnitDeadline.unit_id))
    if only is not None:
        query = query.where(OutboxMessage.id == only)
    if status in {s.value for s in OutboxStatus}:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if channel in {c.value for c in Channel}:
        query = query.where(OutboxMessage.channel == Channel(channel))
    return [
        OutboxLine(
            m.id,
            m.created_at,
            m.sent_at,
            m.channel,
            recipient,
            m.address,
            m.step,
            m.status,
            m.attempts,
            m.last_error,
            m.workflow_id,
            uid,
            uname,
            m.payload,
            m.recipient_id,
        )
        for m, recipient, uid, uname in session.execute(query)
    ]


def in_scope(session: Session, scope: Scope, unit_id: int) -> bool:
    if scope.everything:
        return True
    found = session.scalar(
        sa.select(Unit.id).where(Unit.id == unit_id, scope.units_clause(Unit.id))
    )
    return found is not None


def deadline_in_scope(session: Session, scope: Scope, workflow_id: str) -> UnitDeadline | None:
    """The deadline `workflow_id` if the user may act on it."""
    return session.scalar(
        sa.select(UnitDeadline).where(
            UnitDeadline.workflow_id == workflow_id, scope.units_clause(UnitDeadline.unit_id)
        )
    )
