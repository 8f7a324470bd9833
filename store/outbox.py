"""Putting notifications in the outbox: one row per step, recipient and channel, never two.

The unique key (workflow id, step, channel, recipient) is enforced by the database; an
insert that meets it does nothing, so a retried activity (or a replayed workflow) can
never queue a message twice. Delivery belongs to the notifier.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from store import channel_order, channels
from store.deadlines_repo import person_ids
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage, Person, UnitDeadline


@dataclass
class Queued:
    queued: int = 0
    already: int = 0
    unreachable: list[str] = field(default_factory=list)


def channels_of(person: Person) -> list[tuple[Channel, str]]:
    """Every channel a person can be reached on, with the address as it is now."""
    out = []
    if person.email:
        out.append((Channel.EMAIL, person.email))
    if person.telegram:
        out.append((Channel.TELEGRAM, person.telegram))
    return out


def _insert(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(OutboxMessage)
    if dialect == "sqlite":
        return sqlite.insert(OutboxMessage)
    raise NotImplementedError(f"outbox insert on {dialect}")


def enqueue(
    session: Session,
    *,
    workflow_id: str,
    calendar_key: str,
    step: str,
    recipients: list[str],
    payload: dict[str, Any],
) -> Queued:
    """Queue `payload` for each recipient (config person ids) on each of their channels."""
    people = person_ids(session, calendar_key, recipients)
    deadline_id = session.scalar(
        sa.select(UnitDeadline.id).where(UnitDeadline.workflow_id == workflow_id)
    )
    result = Queued()
    for key in recipients:
        person = people.get(key)
        routes = channels_of(person) if person is not None else []
        zalo = channels.zalo_user(session, person.id) if person is not None else None
        if zalo:  # bound by the person writing a link code to the OA
            routes.append((Channel.ZALO, zalo))
        if person is not None:
            routes = channel_order.choose(session, person, routes)
        if not routes:
            result.unreachable.append(key)
            continue
        for channel, address in routes:
            stmt = (
                _insert(session)
                .values(
                    workflow_id=workflow_id,
                    step=step,
                    channel=channel,
                    recipient_id=person.id,
                    address=address,
                    deadline_id=deadline_id,
                    payload={**payload, "recipient": key, "channel": channel.value},
                    status=OutboxStatus.PENDING,
                )
                .on_conflict_do_nothing(
                    index_elements=["workflow_id", "step", "channel", "recipient_id"]
                )
                .returning(OutboxMessage.id)
            )
            # A row comes back only when it was inserted (rowcount is not reliable for
            # ORM-enabled inserts with ON CONFLICT across drivers).
            if session.execute(stmt).first() is not None:
                result.queued += 1
            else:
                result.already += 1
    return result


def pending_messages(session: Session, workflow_prefix: str = "") -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if workflow_prefix:
        query = query.where(OutboxMessage.workflow_id.startswith(workflow_prefix))
    return list(session.scalars(query))
