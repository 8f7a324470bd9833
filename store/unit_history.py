"""One unit's page: its deadlines, and everything that happened to them in time order.

The timeline merges four sources, each the truth of its own kind: the audit log (what
the workflow did: reminders, escalations, extensions, excuses, status changes), the
outbox (every message that went out, or would have), inbound messages (replies), and
submissions with their evidence files. Nothing is summarised away: a coordinator
answering "did you remind us?" needs every line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, object_session, selectinload

from deadlines.expected import DeadlineStatus
from store import channels, deadline_facts
from store.models import (
    AuditEntry,
    Cycle,
    Evidence,
    ExtensionRequest,
    InboundMessage,
    Obligation,
    OutboxMessage,
    Person,
    Submission,
    Unit,
    UnitContact,
    UnitDeadline,
)

SKIPPED_AUDIT = frozenset({"submitted"})
"""Audit actions shown through a richer source instead (the submission row, with files)."""


@dataclass(frozen=True, slots=True)
class DeadlineLine:
    id: int
    workflow_id: str
    obligation_name: str
    period_label: str
    status: DeadlineStatus
    legal_end_at: datetime
    extended_until: datetime | None
    submitted_at: datetime | None
    reminders_sent: int
    escalations_sent: int = 0

    @property
    def due_at(self) -> datetime:
        """The legal end in force: the extension when granted, else the calendar's."""
        return self.extended_until or self.legal_end_at


@dataclass(frozen=True, slots=True)
class EvidenceFile:
    id: int
    file_name: str
    size: int
    content_type: str


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    source: str
    """"audit", "outbox", "inbound" or "submission"."""
    kind: str
    """The audit action, the outbox step kind, the inbound outcome, or "submission"."""
    deadline: DeadlineLine | None
    by: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True, slots=True)
class Contact:
    role: str
    name: str
    email: str | None
    telegram: str | None
    phone: str | None = None
    channels: tuple[str, ...] = ()
    """The preferred channel order, when the calendar gives one."""
    zalo: str = ""
    """On Zalo: "" (not linked), "đã liên kết", or why it is switched off."""


def unit_row(session: Session, unit_id: int) -> Unit | None:
    return session.scalar(
        sa.select(Unit)
        .where(Unit.id == unit_id)
        .options(
            selectinload(Unit.contacts).selectinload(UnitContact.person), selectinload(Unit.parent)
        )
    )


def contacts(unit: Unit) -> list[Contact]:
    session = object_session(unit)
    return [
        Contact(
            c.role.value,
            c.person.name,
            c.person.email,
            c.person.telegram,
            c.person.phone,
            tuple(c.person.channels or ()),
            channels.zalo_state(session, c.person.id) if session is not None else "",
        )
        for c in sorted(unit.contacts, key=lambda c: (c.role, c.position))
    ]


def deadlines_of(session: Session, unit_id: int) -> list[DeadlineLine]:
    rows = session.execute(
        sa.select(
            UnitDeadline, Obligation.name, Cycle.snapshot["cycle"]["period_label"].as_string()
        )
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .where(UnitDeadline.unit_id == unit_id)
        .order_by(UnitDeadline.legal_end_at.desc())
    ).all()
    escalated = deadline_facts.escalations_sent(session, [d.workflow_id for d, *_ in rows])
    reminded = deadline_facts.reminders_sent(session, [d for d, *_ in rows])
    return [
        DeadlineLine(
            d.id,
            d.workflow_id,
            name,
            label or d.workflow_id.split("/")[3],
            d.status,
            d.legal_end_at,
            d.extended_until,
            d.submitted_at,
            reminded[d.workflow_id],
            escalated.get(d.workflow_id, 0),
        )
        for d, name, label in rows
    ]


def timeline(session: Session, unit_id: int) -> list[Event]:
    """Every event of every deadline of the unit, newest first."""
    lines = {d.id: d for d in deadlines_of(session, unit_id)}
    by_wid = {d.workflow_id: d for d in lines.values()}
    events: list[Event] = []
    if not lines:
        return events
    subjects = [f"deadline:{wid}" for wid in by_wid]
    names = _people_names(session, unit_id)
    recorders: dict[tuple[str, str], str] = {}
    for entry in session.scalars(sa.select(AuditEntry).where(AuditEntry.subject.in_(subjects))):
        if entry.action in SKIPPED_AUDIT:
            if entry.details.get("submitted_at"):
                recorders[(entry.subject, str(entry.details["submitted_at"]))] = entry.actor
            continue
        deadline = by_wid.get(entry.subject.removeprefix("deadline:"))
        actor = names.get(entry.actor, entry.actor)
        events.append(Event(entry.at, "audit", entry.action, deadline, actor, entry.details))
    ids = list(lines)
    outbox = session.execute(
        sa.select(OutboxMessage, Person.name)
        .join(Person, OutboxMessage.recipient_id == Person.id)
        .where(OutboxMessage.deadline_id.in_(ids))
    )
    for message, recipient in outbox:
        events.append(
            Event(
                message.sent_at or message.created_at,
                "outbox",
                str(message.payload.get("kind") or message.step.split(":")[0]),
                lines.get(message.deadline_id or -1),
                recipient,
                {
                    "step": message.step,
                    "channel": message.channel.value,
                    "address": message.address,
                    "status": message.status.value,
                    "error": message.last_error,
                },
            )
        )
    inbound = session.scalars(sa.select(InboundMessage).where(InboundMessage.deadline_id.in_(ids)))
    for reply in inbound:
        events.append(
            Event(
                reply.received_at,
                "inbound",
                reply.outcome.value,
                lines.get(reply.deadline_id or -1),
                reply.sender,
                {
                    "channel": reply.channel.value,
                    "reason": reply.reason,
                    "ref": reply.raw_ref,
                    "resolution": reply.resolution,
                },
            )
        )
    submissions = session.scalars(
        sa.select(Submission)
        .where(Submission.deadline_id.in_(ids))
        .options(selectinload(Submission.evidence), selectinload(Submission.person))
    )
    for sub in submissions:
        line = lines.get(sub.deadline_id)
        recorder = None
        if sub.person is None and line is not None:  # on the unit's behalf: who recorded it
            recorder = recorders.get((f"deadline:{line.workflow_id}", sub.submitted_at.isoformat()))
        events.append(
            Event(
                sub.submitted_at,
                "submission",
                "submission",
                lines.get(sub.deadline_id),
                sub.person.name if sub.person else (recorder or ""),
                {
                    "channel": sub.channel.value,
                    "document_number": sub.document_number,
                    "note": sub.note,
                    "recorded_by": recorder,
                },
                tuple(
                    EvidenceFile(e.id, e.file_name, e.size, e.content_type) for e in sub.evidence
                ),
            )
        )
    order = {"submission": 0, "audit": 1, "inbound": 2, "outbox": 3}
    events.sort(key=lambda e: (e.at, -order[e.source]), reverse=True)
    return events


def _people_names(session: Session, unit_id: int) -> dict[str, str]:
    """Config person id -> name in the unit's calendar, for actors in the audit log
    (which records ids: `fp-xa-a1`, or `system`, `web:<email>`, `cli:<user>`)."""
    rows = session.execute(
        sa.select(Person.key, Person.name)
        .join(Unit, Unit.calendar_id == Person.calendar_id)
        .where(Unit.id == unit_id)
    )
    return {"system": "hệ thống", **{key: name for key, name in rows}}


def extension_history(session: Session, unit_id: int) -> list[ExtensionRequest]:
    return list(
        session.scalars(
            sa.select(ExtensionRequest)
            .join(UnitDeadline, ExtensionRequest.deadline_id == UnitDeadline.id)
            .where(UnitDeadline.unit_id == unit_id)
            .order_by(ExtensionRequest.requested_at.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class EvidenceLocation:
    file_name: str
    content_type: str
    storage_path: str
    unit_id: int


def evidence_location(session: Session, evidence_id: int) -> EvidenceLocation | None:
    """Where an evidence file is, and whose unit it belongs to (for the scope check)."""
    row = session.execute(
        sa.select(
            Evidence.file_name, Evidence.content_type, Evidence.storage_path, UnitDeadline.unit_id
        )
        .join(Submission, Evidence.submission_id == Submission.id)
        .join(UnitDeadline, Submission.deadline_id == UnitDeadline.id)
        .where(Evidence.id == evidence_id)
    ).first()
    return EvidenceLocation(*row) if row is not None else None
