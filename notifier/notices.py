"""Messages the notifier itself sends to coordinators: a channel switched off after a
permanent error, a reply quarantined. Queued in the outbox like any other message (one
row per coordinator and channel, keyed so the same notice is never queued twice) and
delivered by the notifier's sweep."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.model import Role
from store import outbox
from store.base import utcnow
from store.models import AuditEntry, Calendar, Obligation, OutboxMessage, Person, UnitContact

NOTICE_PREFIX = "notice:"
QUARANTINE_NOTICES = 3
"""Quarantine notices per deadline per `QUARANTINE_WINDOW`: a stranger holding a token
(a forwarded reminder) must not be able to mail the coordinators through hanchot at
will. Replies beyond it are still on the quarantine page."""
QUARANTINE_WINDOW = timedelta(hours=24)
SUBJECT_CHARS = 80
"""How much of a quarantined reply's subject (the sender's words) a notice quotes."""
FACT_KEYS = (
    "calendar",
    "obligation",
    "obligation_name",
    "period",
    "period_label",
    "unit",
    "unit_name",
    "legal_end",
    "due_at",
)


def coordinators(session: Session, calendar_key: str, obligation_key: str) -> list[str]:
    """Person keys of the focal points of the obligation's receiving unit."""
    rows = session.scalars(
        sa.select(Person.key)
        .join(UnitContact, UnitContact.person_id == Person.id)
        .join(Obligation, Obligation.receiver_id == UnitContact.unit_id)
        .join(Calendar, Obligation.calendar_id == Calendar.id)
        .where(
            Calendar.key == calendar_key,
            Obligation.key == obligation_key,
            UnitContact.role == Role.FOCAL_POINT,
            Person.removed_at.is_(None),
        )
        .order_by(UnitContact.position)
    )
    return list(rows)


def facts(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: payload[k] for k in FACT_KEYS if k in payload}


def channel_disabled(
    session: Session,
    *,
    workflow_id: str,
    payload: dict[str, Any],
    person: Person,
    channel: str,
    address: str,
    reason: str,
    outbox_id: int,
) -> list[str]:
    """Audit the switch-off and queue a notice to the coordinators; returns who gets it."""
    calendar_key = person.calendar.key
    session.add(
        AuditEntry(
            actor="notifier",
            action="channel_disabled",
            subject=f"person:{calendar_key}/{person.key}",
            details={
                "channel": channel,
                "address": address,
                "reason": reason,
                "outbox_id": outbox_id,
                "workflow_id": workflow_id,
            },
        )
    )
    obligation = payload.get("obligation")
    recipients = coordinators(session, calendar_key, obligation) if obligation else []
    if not recipients:
        return []
    notice = {
        "kind": "channel_disabled",
        **facts(payload),
        "affected_key": person.key,
        "affected_name": person.name,
        "affected_channel": channel,
        "address": address,
        "reason": reason,
    }
    outbox.enqueue(
        session,
        workflow_id=workflow_id,
        calendar_key=calendar_key,
        step=f"{NOTICE_PREFIX}disabled:{channel}:{person.key}",
        recipients=recipients,
        payload=notice,
    )
    return recipients


def quarantined(
    session: Session,
    *,
    workflow_id: str,
    calendar_key: str,
    payload: dict[str, Any],
    sender: str,
    subject: str,
    reason: str,
    ref: str,
) -> list[str]:
    """Tell the deadline's coordinators that a reply was kept aside, not applied: at most
    `QUARANTINE_NOTICES` a day per deadline, the sender's subject quoted, shortened, and
    never as the notice's own subject (templates `quarantined.j2`)."""
    obligation = payload.get("obligation")
    recipients = coordinators(session, calendar_key, obligation) if obligation else []
    if recipients and _recent_quarantine_notices(session, workflow_id) >= QUARANTINE_NOTICES:
        return []
    if recipients:
        outbox.enqueue(
            session,
            workflow_id=workflow_id,
            calendar_key=calendar_key,
            step=f"{NOTICE_PREFIX}quarantined:{ref}"[:128],
            recipients=recipients,
            payload={
                "kind": "quarantined",
                **facts(payload),
                "sender": sender,
                "reply_subject": _quoted(subject),
                "reason": reason,
            },
        )
    return recipients


def _recent_quarantine_notices(session: Session, workflow_id: str) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.count(sa.distinct(OutboxMessage.step))).where(
                OutboxMessage.workflow_id == workflow_id,
                OutboxMessage.step.startswith(f"{NOTICE_PREFIX}quarantined:", autoescape=True),
                OutboxMessage.created_at >= utcnow() - QUARANTINE_WINDOW,
            )
        )
        or 0
    )


def _quoted(subject: str) -> str:
    """The sender's subject as a quotation: one line, printable, at most SUBJECT_CHARS."""
    line = " ".join("".join(c if c.isprintable() else " " for c in subject).split())
    short = line if len(line) <= SUBJECT_CHARS else line[: SUBJECT_CHARS - 1] + "…"
    return f"«{short}»"
