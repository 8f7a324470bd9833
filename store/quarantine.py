"""Closing a quarantined reply: a coordinator recorded the submission it was about, or
dismissed it with a reason. Either way the row says who, when and what, and the audit
log says so too, in the same transaction.

Resolution is a compare-and-set on `resolved_at IS NULL`: two coordinators (or one
double click) resolving the same reply leave exactly one resolution and one audit entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.enums import InboundOutcome
from store.models import AuditEntry, InboundMessage

RECORDED = "quarantine_recorded"
"""Audit action: the reply's submission was recorded on the unit's behalf."""
DISMISSED = "quarantine_dismissed"
"""Audit action: the reply was set aside for good, with a reason."""


def subject(message_id: int) -> str:
    return f"inbound:{message_id}"


def resolve(
    session: Session,
    message_id: int,
    *,
    by: str,
    action: str,
    resolution: str,
    details: dict[str, Any] | None = None,
    deadline_id: int | None = None,
    at: datetime | None = None,
) -> bool:
    """Mark one quarantined reply resolved and audit it; False if it already was (or is
    not a quarantined reply). `deadline_id` ties a reply that matched no deadline to the
    one the coordinator recorded it for, so the unit's timeline shows it."""
    at = at or utcnow()
    values: dict[str, Any] = {"resolved_at": at, "resolved_by": by, "resolution": resolution}
    if deadline_id is not None:
        values["deadline_id"] = sa.func.coalesce(InboundMessage.deadline_id, deadline_id)
    result = session.execute(
        sa.update(InboundMessage)
        .where(
            InboundMessage.id == message_id,
            InboundMessage.outcome == InboundOutcome.QUARANTINED,
            InboundMessage.resolved_at.is_(None),
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if int(getattr(result, "rowcount", 0)) != 1:
        return False
    session.add(
        AuditEntry(
            at=at,
            actor=by,
            action=action,
            subject=subject(message_id),
            details={"resolution": resolution, **(details or {})},
        )
    )
    session.flush()
    return True
