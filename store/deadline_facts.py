"""Facts about deadlines that outputs show beside their status, read in bulk: how many
reminders went out (the workflow's count in the row, and those sent by hand from the
outbox), how many escalations (the `escalated` events of the audit log), the latest
submission (when, document number) and
a unit's focal points, for exports handed to leadership and for digests; the receiving
unit's contacts for reminders and escalations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines import present
from deadlines.model import Role
from store.models import (
    AuditEntry,
    Cycle,
    ExtensionRequest,
    Obligation,
    OutboxMessage,
    Person,
    Submission,
    Unit,
    UnitContact,
    UnitDeadline,
)

MANUAL_STEP = "manual:"
"""The outbox step of a reminder a coordinator sent by hand (store.resend)."""


@dataclass(frozen=True, slots=True)
class Handed:
    submitted_at: datetime
    document_number: str | None


def escalations_sent(session: Session, workflow_ids: Iterable[str]) -> dict[str, int]:
    """workflow id -> escalations sent; a deadline never escalated is absent (0)."""
    subjects = [f"deadline:{w}" for w in workflow_ids]
    out: dict[str, int] = {}
    for chunk in range(0, len(subjects), 500):
        rows = session.execute(
            sa.select(AuditEntry.subject, sa.func.count())
            .where(
                AuditEntry.action == "escalated",
                AuditEntry.subject.in_(subjects[chunk : chunk + 500]),
            )
            .group_by(AuditEntry.subject)
        )
        for subject, count in rows:
            out[subject.removeprefix("deadline:")] = int(count)
    return out


def steps_sent(session: Session, workflow_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """workflow id -> the timeline steps it has sent (its `reminded` and `escalated` events),
    for re-planning it without sending any again."""
    subjects = [f"deadline:{w}" for w in workflow_ids]
    out: dict[str, set[str]] = defaultdict(set)
    for chunk in range(0, len(subjects), 500):
        rows = session.execute(
            sa.select(AuditEntry.subject, AuditEntry.details).where(
                AuditEntry.action.in_(("reminded", "escalated")),
                AuditEntry.subject.in_(subjects[chunk : chunk + 500]),
            )
        )
        for subject, details in rows:
            if isinstance(details, dict) and details.get("step"):
                out[subject.removeprefix("deadline:")].add(str(details["step"]))
    return {k: frozenset(v) for k, v in out.items()}


def manual_reminders(session: Session, workflow_ids: Iterable[str]) -> dict[str, int]:
    """workflow id -> reminders a coordinator sent by hand ("Nhắc ngay mọi đơn vị quá
    hạn", store.resend): one per `manual:` step, whatever its recipients and channels. The
    workflow counts only its own; the outbox is the record of these."""
    ids = list(workflow_ids)
    out: dict[str, int] = {}
    for chunk in range(0, len(ids), 500):
        rows = session.execute(
            sa.select(OutboxMessage.workflow_id, sa.func.count(sa.distinct(OutboxMessage.step)))
            .where(
                OutboxMessage.workflow_id.in_(ids[chunk : chunk + 500]),
                OutboxMessage.step.startswith(MANUAL_STEP),
            )
            .group_by(OutboxMessage.workflow_id)
        )
        for workflow_id, count in rows:
            out[workflow_id] = int(count)
    return out


def reminders_sent(session: Session, deadlines: Iterable[UnitDeadline]) -> dict[str, int]:
    """workflow id -> every reminder a deadline was sent: the workflow's own (mirrored in
    its row) and a coordinator's by hand. Every output that counts reminders reads this."""
    rows = list(deadlines)
    manual = manual_reminders(session, [d.workflow_id for d in rows])
    return {d.workflow_id: d.reminders_sent + manual.get(d.workflow_id, 0) for d in rows}


def latest_submissions(session: Session, cycle_ids: list[int]) -> dict[tuple[int, int], Handed]:
    """(unit id, cycle id) -> the latest submission of that deadline."""
    out: dict[tuple[int, int], Handed] = {}
    if not cycle_ids:
        return out
    rows = session.execute(
        sa.select(
            UnitDeadline.unit_id,
            UnitDeadline.cycle_id,
            Submission.submitted_at,
            Submission.document_number,
        )
        .join(Submission, Submission.deadline_id == UnitDeadline.id)
        .where(UnitDeadline.cycle_id.in_(cycle_ids))
        .order_by(Submission.submitted_at, Submission.id)
    )
    for unit_id, cycle_id, at, number in rows:
        previous = out.get((unit_id, cycle_id))
        out[(unit_id, cycle_id)] = Handed(at, number or (previous and previous.document_number))
    return out


def focal_points(session: Session, unit_ids: Iterable[int]) -> dict[int, list[Person]]:
    """unit id -> its focal points, in the calendar's order."""
    out: dict[int, list[Person]] = defaultdict(list)
    ids = list(unit_ids)
    if not ids:
        return out
    rows = session.execute(
        sa.select(UnitContact.unit_id, Person)
        .join(Person, UnitContact.person_id == Person.id)
        .where(UnitContact.unit_id.in_(ids), UnitContact.role == Role.FOCAL_POINT)
        .order_by(UnitContact.unit_id, UnitContact.position)
    )
    for unit_id, person in rows:
        out[unit_id].append(person)
    return out


def contact_text(person: Person) -> str:
    """ "Nguyễn Thị A (0912 345 678, a@x.vn, @telegram)"."""
    reach = ", ".join(a for a in (person.phone, person.email, person.telegram) if a)
    return f"{person.name} ({reach})" if reach else person.name


RECEIVER_KINDS = ("reminder", "escalation")


def _asked(session: Session, deadline_id: int, payload: dict[str, Any]) -> dict[str, Any]:
    """An extension request's payload with who asked and the last day a yes would give."""
    found = session.execute(
        sa.select(ExtensionRequest, Person.name, UnitDeadline)
        .join(UnitDeadline, ExtensionRequest.deadline_id == UnitDeadline.id)
        .join(Person, ExtensionRequest.requested_by_id == Person.id, isouter=True)
        .where(ExtensionRequest.deadline_id == deadline_id)
        .order_by(ExtensionRequest.requested_at.desc(), ExtensionRequest.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return payload
    request, name, deadline = found
    day = present.asked_last_day(deadline.due_at, request.requested_days)
    return {
        **payload,
        "asked_by": name,
        "asked_due_text": present.due_text(day),
        "asked_anchor": f"#ext-{request.id}",  # its row on the decision page
    }


def with_receiver(
    session: Session, deadline_id: int | None, payload: dict[str, Any]
) -> dict[str, Any]:
    """A reminder's or escalation's payload with whom to call at the receiving unit: its
    name and its focal points' names and addresses (read when the message is sent, so a
    changed phone book is the one shown); an extension request's with who asked and the
    last day a yes would give."""
    if deadline_id is not None and payload.get("kind") == "extension_requested":
        return _asked(session, deadline_id, payload)
    if deadline_id is None or payload.get("kind") not in RECEIVER_KINDS:
        return payload
    found = session.execute(
        sa.select(Unit.id, Unit.name)
        .join(Obligation, Obligation.receiver_id == Unit.id)
        .join(Cycle, Cycle.obligation_id == Obligation.id)
        .join(UnitDeadline, UnitDeadline.cycle_id == Cycle.id)
        .where(UnitDeadline.id == deadline_id)
    ).first()
    if found is None:
        return payload
    unit_id, unit_name = found
    people = focal_points(session, [unit_id]).get(unit_id, [])
    contacts = [
        {"name": p.name, "phone": p.phone, "email": p.email, "telegram": p.telegram} for p in people
    ]
    return {**payload, "receiver_name": unit_name, "receiver_contacts": contacts}
