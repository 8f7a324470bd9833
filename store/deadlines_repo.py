"""Queries the engine's activities run: cycles and their frozen snapshots, unit deadlines
mirrored from their workflows, and the tally of a closed cycle.

Every write is idempotent, because Temporal retries activities: a cycle is frozen once
(the first snapshot wins), and a deadline event is applied once, keyed by its workflow
id and sequence number, recorded in the audit log in the same transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.enums import CycleStatus, DeadlineStatus, ExtensionStatus, InboundChannel
from store.models import (
    AuditEntry,
    Calendar,
    Cycle,
    Evidence,
    ExtensionRequest,
    Obligation,
    Person,
    Submission,
    Unit,
    UnitDeadline,
)


class StoreMissing(LookupError):
    """A row the engine expects (a calendar, unit or cycle) is not in the store."""


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """What the workflow reports at each event (plain values: the store knows no Temporal)."""

    workflow_id: str
    cycle_workflow_id: str
    calendar_key: str
    unit_key: str
    seq: int
    status: str
    legal_end_at: datetime
    due_at: datetime
    reminders_sent: int
    event: str
    at: datetime
    by: str
    details: dict[str, Any]


def calendar_row(session: Session, key: str) -> Calendar:
    row = session.scalar(sa.select(Calendar).where(Calendar.key == key))
    if row is None:
        raise StoreMissing(f"calendar {key!r} is not in the store (load it first)")
    return row


def person_ids(session: Session, calendar_key: str, keys: list[str]) -> dict[str, Person]:
    if not keys:
        return {}
    rows = session.scalars(
        sa.select(Person)
        .join(Calendar, Person.calendar_id == Calendar.id)
        .where(Calendar.key == calendar_key, Person.key.in_(keys))
    )
    return {p.key: p for p in rows}


def freeze_cycle(
    session: Session,
    calendar_key: str,
    obligation_key: str,
    period: str,
    workflow_id: str,
    snapshot: dict[str, Any],
    at: datetime,
) -> dict[str, Any]:
    """Store the cycle's snapshot unless it already has one; return the one that stands."""
    existing = session.scalar(sa.select(Cycle).where(Cycle.workflow_id == workflow_id))
    if existing is not None:
        return existing.snapshot
    obligation = session.scalar(
        sa.select(Obligation)
        .join(Calendar, Obligation.calendar_id == Calendar.id)
        .where(Calendar.key == calendar_key, Obligation.key == obligation_key)
    )
    if obligation is None:
        raise StoreMissing(f"obligation {calendar_key}/{obligation_key} is not in the store")
    session.add(
        Cycle(
            workflow_id=workflow_id,
            obligation_id=obligation.id,
            period=period,
            status=CycleStatus.OPEN,
            snapshot=snapshot,
            opened_at=at,
        )
    )
    session.flush()
    return snapshot


def cycle_snapshot(session: Session, workflow_id: str) -> dict[str, Any]:
    snapshot = session.scalar(sa.select(Cycle.snapshot).where(Cycle.workflow_id == workflow_id))
    if snapshot is None:
        raise StoreMissing(f"cycle {workflow_id} has not been frozen")
    return snapshot


def known_cycles(session: Session, workflow_ids: list[str]) -> set[str]:
    if not workflow_ids:
        return set()
    rows = session.scalars(sa.select(Cycle.workflow_id).where(Cycle.workflow_id.in_(workflow_ids)))
    return set(rows)


def _deadline(session: Session, row: DeadlineRow) -> UnitDeadline:
    found = session.scalar(
        sa.select(UnitDeadline).where(UnitDeadline.workflow_id == row.workflow_id)
    )
    if found is not None:
        return found
    cycle_id = session.scalar(sa.select(Cycle.id).where(Cycle.workflow_id == row.cycle_workflow_id))
    unit_id = session.scalar(
        sa.select(Unit.id)
        .join(Calendar, Unit.calendar_id == Calendar.id)
        .where(Calendar.key == row.calendar_key, Unit.key == row.unit_key)
    )
    if cycle_id is None or unit_id is None:
        raise StoreMissing(f"cycle or unit of {row.workflow_id} is not in the store")
    deadline = UnitDeadline(
        workflow_id=row.workflow_id,
        cycle_id=cycle_id,
        unit_id=unit_id,
        legal_end_at=row.legal_end_at,
        created_at=row.at,
    )
    session.add(deadline)
    return deadline


def _applied(session: Session, subject: str, row: DeadlineRow) -> bool:
    details = session.scalars(
        sa.select(AuditEntry.details).where(
            AuditEntry.subject == subject, AuditEntry.action == row.event, AuditEntry.at == row.at
        )
    )
    return any(d.get("seq") == row.seq for d in details)


def apply_event(
    session: Session,
    row: DeadlineRow,
    submission: dict[str, Any] | None = None,
    evidence: list[dict[str, Any]] | None = None,
    extension: dict[str, Any] | None = None,
) -> bool:
    """Mirror one workflow event; False when it had already been applied (a retry)."""
    subject = f"deadline:{row.workflow_id}"
    if _applied(session, subject, row):
        return False
    deadline = _deadline(session, row)
    deadline.status = DeadlineStatus(row.status)
    deadline.legal_end_at = row.legal_end_at
    deadline.extended_until = row.due_at if row.due_at != row.legal_end_at else None
    deadline.reminders_sent = row.reminders_sent
    deadline.last_event_at = row.at
    session.flush()
    people = person_ids(session, row.calendar_key, [row.by])
    actor = people.get(row.by)
    if submission is not None:
        _submission(session, deadline, actor, submission, evidence or [])
    elif row.event == "reopened":
        deadline.submitted_at = None
    if extension is not None:
        _extension(session, row, deadline, actor, extension)
    session.add(
        AuditEntry(
            at=row.at,
            actor=row.by,
            action=row.event,
            subject=subject,
            details={"seq": row.seq, "status": row.status, **row.details},
        )
    )
    session.flush()
    return True


def _submission(
    session: Session,
    deadline: UnitDeadline,
    actor: Person | None,
    data: dict[str, Any],
    evidence: list[dict[str, Any]],
) -> None:
    submitted_at = data["at"]
    deadline.submitted_at = submitted_at
    record = Submission(
        deadline_id=deadline.id,
        person_id=actor.id if actor else None,
        channel=InboundChannel(data["channel"]),
        document_number=data.get("document_number"),
        note=data.get("note"),
        submitted_at=submitted_at,
        created_at=submitted_at,
    )
    record.evidence = [
        Evidence(
            file_name=e["file_name"],
            content_type=e["content_type"],
            size=e["size"],
            sha256=e["sha256"],
            storage_path=e["storage_path"],
            created_at=submitted_at,
        )
        for e in evidence
    ]
    session.add(record)


def _extension(
    session: Session,
    row: DeadlineRow,
    deadline: UnitDeadline,
    actor: Person | None,
    data: dict[str, Any],
) -> None:
    if row.event == "extension_requested":
        session.add(
            ExtensionRequest(
                deadline_id=deadline.id,
                requested_days=data["days"],
                reason=data["reason"],
                requested_by_id=actor.id if actor else None,
                requested_at=data["at"],
                status=ExtensionStatus.REQUESTED,
            )
        )
        return
    request = session.scalar(
        sa.select(ExtensionRequest)
        .where(
            ExtensionRequest.deadline_id == deadline.id,
            ExtensionRequest.status == ExtensionStatus.REQUESTED,
        )
        .order_by(ExtensionRequest.id.desc())
    )
    if request is None:
        raise StoreMissing(f"no pending extension request stored for {row.workflow_id}")
    request.status = ExtensionStatus(data["status"])
    request.decided_by_id = actor.id if actor else None
    request.decided_at = data["decided_at"]
    request.new_due_at = data.get("new_due_at")


def close_cycle(session: Session, workflow_id: str, at: datetime) -> dict[str, int]:
    """Mark the cycle closed and count its deadlines by status."""
    cycle = session.scalar(sa.select(Cycle).where(Cycle.workflow_id == workflow_id))
    if cycle is None:
        raise StoreMissing(f"cycle {workflow_id} is not in the store")
    if cycle.status is not CycleStatus.CLOSED:
        cycle.status = CycleStatus.CLOSED
        cycle.closed_at = at
    return cycle_tally(session, workflow_id)


def cycle_tally(session: Session, workflow_id: str) -> dict[str, int]:
    statuses = session.scalars(
        sa.select(UnitDeadline.status)
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .where(Cycle.workflow_id == workflow_id)
    )
    return dict(Counter(s.value for s in statuses))


def deadline_statuses(session: Session, cycle_workflow_id: str) -> dict[str, str]:
    """Workflow id -> stored status, for one cycle (the dashboard's and the tests' view)."""
    rows = session.execute(
        sa.select(UnitDeadline.workflow_id, UnitDeadline.status)
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .where(Cycle.workflow_id == cycle_workflow_id)
    )
    return {wid: status.value for wid, status in rows}


def list_cycles(session: Session, calendar_key: str | None = None) -> list[Cycle]:
    query = sa.select(Cycle).order_by(Cycle.opened_at, Cycle.workflow_id)
    if calendar_key is not None:
        query = query.where(Cycle.workflow_id.startswith(f"cycle/{calendar_key}/"))
    return list(session.scalars(query))
