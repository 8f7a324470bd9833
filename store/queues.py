"""The coordinator's work lists: extension requests waiting for a decision, replies the
engine could not match (quarantine), and the outbox.

Each list is restricted to a `Scope`. A reply that matched no deadline has no unit, so
it is shown to a scoped user only when its sender is a contact of a unit in his scope;
an installation-wide coordinator sees them all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.expected import DeadlineStatus
from store.enums import Channel, ExtensionStatus, InboundOutcome, OutboxStatus
from store.models import (
    Cycle,
    ExtensionRequest,
    InboundMessage,
    Obligation,
    OutboxMessage,
    Person,
    Unit,
    UnitContact,
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
class Quarantined:
    id: int
    channel: str
    sender: str
    person_name: str | None
    raw_ref: str
    reason: str | None
    received_at: datetime
    unit_id: int | None
    unit_name: str | None
    workflow_id: str | None = None
    """The deadline it was matched to, if any."""
    original_path: str | None = None
    resolved_at: datetime | None = None
    resolved_by: str | None = None
    resolution: str | None = None
    contact_unit_id: int | None = None
    """With no deadline: a unit in scope the sender answers for (where to record it)."""


def quarantined(
    session: Session,
    scope: Scope,
    limit: int = 1000,
    *,
    resolved: bool | None = False,
    only: int | None = None,
) -> list[Quarantined]:
    """Replies set aside because the engine could not match or trust them, newest first:
    those still waiting (`resolved=False`), those dealt with (True) or all (None)."""
    query = (
        sa.select(
            InboundMessage.id,
            InboundMessage.channel,
            InboundMessage.sender,
            Person.name,
            InboundMessage.raw_ref,
            InboundMessage.reason,
            InboundMessage.received_at,
            Unit.id,
            Unit.name,
            UnitDeadline.workflow_id,
            InboundMessage.original_path,
            InboundMessage.resolved_at,
            InboundMessage.resolved_by,
            InboundMessage.resolution,
            InboundMessage.person_id,
        )
        .outerjoin(Person, InboundMessage.person_id == Person.id)
        .outerjoin(UnitDeadline, InboundMessage.deadline_id == UnitDeadline.id)
        .outerjoin(Unit, UnitDeadline.unit_id == Unit.id)
        .where(InboundMessage.outcome == InboundOutcome.QUARANTINED)
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(limit)
    )
    if resolved is not None:
        done = InboundMessage.resolved_at.is_not(None)
        query = query.where(done if resolved else sa.not_(done))
    if only is not None:
        query = query.where(InboundMessage.id == only)
    if not scope.everything:
        query = query.where(
            sa.or_(
                scope.units_clause(UnitDeadline.unit_id),
                sa.and_(
                    InboundMessage.deadline_id.is_(None),
                    InboundMessage.person_id.in_(_contacts_in(scope)),
                ),
            )
        )
    rows = session.execute(query).all()
    homes = _contact_units(session, scope, {r.person_id for r in rows if r[7] is None})
    out = []
    for mid, channel, sender, pname, ref, reason, at, uid, uname, wid, *rest in rows:
        original, resolved_at, resolved_by, resolution, person_id = rest
        home = None if uid else homes.get(person_id or 0)  # matched a deadline: its unit
        out.append(
            Quarantined(
                mid,
                channel.value,
                sender,
                pname,
                ref,
                reason,
                at,
                uid,
                uname,
                wid,
                original,
                resolved_at,
                resolved_by,
                resolution,
                home,
            )
        )
    return out


def _contacts_in(scope: Scope) -> sa.Select[Any]:
    return sa.select(UnitContact.person_id).where(scope.units_clause(UnitContact.unit_id))


def _contact_units(session: Session, scope: Scope, person_ids: set[int | None]) -> dict[int, int]:
    """Person id -> the first unit in scope he is a contact of."""
    person_ids.discard(None)
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(UnitContact.person_id, sa.func.min(UnitContact.unit_id))
        .where(UnitContact.person_id.in_(person_ids), scope.units_clause(UnitContact.unit_id))
        .group_by(UnitContact.person_id)
    )
    return {pid: uid for pid, uid in rows}


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
