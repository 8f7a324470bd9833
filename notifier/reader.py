"""Who reads an outbox row, and at which address now: a calendar's person (their email, or
the Telegram chat bound to them, unless delivery there was switched off), or a dashboard
account (`store.account_mail`: no person; its address as queued, in Vietnamese)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from notifier.render import DEFAULT_TZ
from store import channels
from store.enums import OutboxStatus
from store.models import OutboxMessage


@dataclass(frozen=True, slots=True)
class Reader:
    id: int | None
    """The person's id; None for an account's mail."""
    key: str
    name: str
    language: str
    timezone: str
    address: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The person cannot be reached on the row's channel: what the row becomes, and why."""

    outcome: str
    """`unreachable` (no address) or `skipped` (the channel was switched off)."""
    status: OutboxStatus
    row_error: str | None
    reason: str | None


def reader(session: Session, row: OutboxMessage) -> Reader | Unreachable:
    person = row.recipient
    if person is None:
        name = str((row.payload or {}).get("name") or row.address)
        return Reader(None, "", name, "vi", DEFAULT_TZ, row.address)
    route = channels.route(session, person, row.channel)
    if route.address is None:
        reason = route.disabled_reason
        return Unreachable("unreachable", OutboxStatus.FAILED, reason, reason)
    if route.disabled_reason is not None:
        reason = route.disabled_reason
        return Unreachable("skipped", OutboxStatus.DISABLED, f"kênh đã tắt: {reason}", reason)
    return Reader(
        person.id,
        person.key,
        person.name,
        person.language,
        person.calendar.timezone,
        route.address,
    )
