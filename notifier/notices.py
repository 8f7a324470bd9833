"""Messages the notifier itself sends to coordinators: a channel switched off after a
permanent error, a reply quarantined. Queued in the outbox like any other message (one
row per coordinator and channel, keyed so the same notice is never queued twice) and
delivered by the notifier's sweep."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.model import Role
from store import outbox
from store.models import AuditEntry, Calendar, Obligation, Person, UnitContact

NOTICE_PREFIX = "notice:"
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
    """Tell the deadline's coordinators that a reply was kept aside, not applied."""
    obligation = payload.get("obligation")
    recipients = coordinators(session, calendar_key, obligation) if obligation else []
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
                "reply_subject": subject,
                "reason": reason,
            },
        )
    return recipients
