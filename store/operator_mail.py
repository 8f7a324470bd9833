"""Mail to the deployment's operators about the deployment itself (a Zalo app whose
tokens Zalo refused), queued in the outbox like an account's mail (`store.account_mail`).

The operators are the active coordinators without a scope: they see every calendar and
are the ones who hold the OA's settings. One row per operator, keyed by the account and
by the event (`step`), written in the event's own transaction: the relay sends it like
every other row, and the same event never queues twice.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import account_mail
from store.models import OutboxMessage, WebRole, WebUser


def operators(session: Session) -> list[WebUser]:
    return list(
        session.scalars(
            sa.select(WebUser)
            .where(
                WebUser.active.is_(True),
                WebUser.role == WebRole.COORDINATOR,
                WebUser.scope_unit_id.is_(None),
            )
            .order_by(WebUser.id)
        )
    )


def enqueue(session: Session, step: str, payload: dict[str, Any]) -> list[str]:
    """`payload` (its `kind` names the template) pending for every operator, unless
    already queued for this `step`; the addresses it goes to."""
    sent = []
    for user in operators(session):
        workflow_id = account_mail.workflow_id(user.id)
        queued = session.scalar(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.workflow_id == workflow_id, OutboxMessage.step == step
            )
        )
        if queued is None:
            account_mail.queue(session, user, step, payload)
            sent.append(user.email)
    return sent
