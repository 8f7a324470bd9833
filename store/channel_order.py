"""A person's preferred channel order (`people[].channels` in the calendar): which channel
a message goes on first, and the next one when that one cannot reach the person.

Without an order a message goes on every channel the person has (email, a bound Telegram
chat, a bound Zalo user), each its own outbox row. With one, a message goes on the first
listed channel that can reach the person now (an address, bound, not switched off), and
only there; when its delivery ends without reaching them (not linked, switched off, a
permanent failure such as Zalo's "not interacted in 7 days"), the row for the next listed
channel is written (`fall_back`) and sent. A channel that is merely not configured in the
notifier keeps its row in the outbox (held) and is not a reason to fall back.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import channels
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage, Person

FINAL = (OutboxStatus.FAILED, OutboxStatus.DISABLED)


def order(person: Person) -> list[Channel]:
    return [Channel(name) for name in person.channels or []]


def choose(
    session: Session, person: Person, routes: list[tuple[Channel, str]]
) -> list[tuple[Channel, str]]:
    """The routes a new message takes: all of them, or the first preferred one usable."""
    preferred = order(person)
    if not preferred:
        return routes
    by_channel = dict(routes)
    listed = [(c, by_channel[c]) for c in preferred if c in by_channel]
    for channel, address in listed:
        if channels.route(session, person, channel).usable:
            return [(channel, address)]
    return listed[:1]


def _address(session: Session, person: Person, channel: Channel) -> str | None:
    if channel is Channel.EMAIL:
        return person.email
    if channel is Channel.ZALO:
        return channels.zalo_user(session, person.id)
    return person.telegram


def fall_back(session: Session, row_id: int) -> int | None:
    """The next preferred channel's row for a row that ended without reaching its person
    (inserted once; its id), or None when there is no next channel."""
    row = session.get(OutboxMessage, row_id)
    if row is None or row.status not in FINAL:
        return None
    person = row.recipient
    preferred = order(person)
    if row.channel not in preferred:
        return None
    for channel in preferred[preferred.index(row.channel) + 1 :]:
        address = _address(session, person, channel)
        if not address:
            continue
        existing = session.scalar(
            sa.select(OutboxMessage.id).where(
                OutboxMessage.workflow_id == row.workflow_id,
                OutboxMessage.step == row.step,
                OutboxMessage.channel == channel,
                OutboxMessage.recipient_id == row.recipient_id,
            )
        )
        if existing is not None:
            return int(existing)
        payload: dict[str, Any] = {**row.payload, "channel": channel.value}
        fresh = OutboxMessage(
            workflow_id=row.workflow_id,
            step=row.step,
            channel=channel,
            recipient_id=row.recipient_id,
            address=address,
            deadline_id=row.deadline_id,
            payload=payload,
            status=OutboxStatus.PENDING,
        )
        session.add(fresh)
        session.flush()
        return fresh.id
    return None
