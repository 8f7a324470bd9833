"""Telegram link codes sent from the dashboard: to one focal point, or to every focal point
of a subtree in one action, each by email through the outbox; and who has linked.

Each code is `store.links.issue` (a newer code replaces an older one), its email an outbox
row of kind `link` on the email channel only, keyed `person/<calendar>/<person>` +
`telegram-link:<code id>` as `hanchot link` queues it, and an audit entry under the
person's unit, all in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.model import Role
from store import links, outbox
from store.enums import Channel
from store.models import (
    AuditEntry,
    LinkCode,
    OutboxMessage,
    Person,
    PersonChannel,
    Unit,
    UnitContact,
)
from store.scopes import Scope

TTL = links.DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class FocalPoint:
    """One focal point of the subtree and where he stands with Telegram."""

    person_id: int
    key: str
    name: str
    email: str | None
    units: tuple[str, ...]
    unit_id: int
    """His first unit in the subtree: where the audit entry about him is filed."""
    linked_at: datetime | None
    disabled_reason: str | None
    code_sent_at: datetime | None
    code_expires_at: datetime | None
    code_used: bool

    @property
    def linked(self) -> bool:
        return self.linked_at is not None and self.disabled_reason is None


def focal_points(session: Session, calendar_id: int, root: Scope) -> list[FocalPoint]:
    """Live focal points of the live units of `calendar_id` inside `root`, by name."""
    contacts = session.execute(
        sa.select(Person, Unit.name, Unit.id)
        .join(UnitContact, UnitContact.person_id == Person.id)
        .join(Unit, Unit.id == UnitContact.unit_id)
        .where(
            Unit.calendar_id == calendar_id,
            Unit.removed_at.is_(None),
            Person.removed_at.is_(None),
            UnitContact.role == Role.FOCAL_POINT,
            root.units_clause(Unit.id),
        )
        .order_by(Person.name, Person.id, Unit.id)
    ).all()
    people: dict[int, tuple[Person, list[str], int]] = {}
    for person, unit_name, unit_id in contacts:
        people.setdefault(person.id, (person, [], unit_id))[1].append(unit_name)
    ids = list(people)
    chats = {
        c.person_id: c
        for c in session.scalars(
            sa.select(PersonChannel).where(
                PersonChannel.person_id.in_(ids), PersonChannel.channel == Channel.TELEGRAM
            )
        )
    }
    codes: dict[int, LinkCode] = {}
    for code in session.scalars(
        sa.select(LinkCode).where(LinkCode.person_id.in_(ids)).order_by(LinkCode.id)
    ):
        codes[code.person_id] = code  # the latest
    out = []
    for pid, (person, unit_names, unit_id) in people.items():
        chat, code = chats.get(pid), codes.get(pid)
        out.append(
            FocalPoint(
                pid,
                person.key,
                person.name,
                person.email,
                tuple(unit_names),
                unit_id,
                chat.linked_at if chat is not None and chat.address else None,
                chat.disabled_reason if chat is not None and chat.disabled_at else None,
                code.created_at if code else None,
                code.expires_at if code else None,
                bool(code and code.used_at),
            )
        )
    return out


def send_codes(
    session: Session,
    targets: list[FocalPoint],
    *,
    bot_username: str,
    by: str,
    now: datetime,
    ttl: timedelta = TTL,
) -> list[FocalPoint]:
    """A new code for each target with an email, emailed through the outbox; who got one."""
    sent = []
    for target in targets:
        person = session.get(Person, target.person_id)
        if person is None or not person.email or person.removed_at is not None:
            continue
        issued = links.issue(session, person, by, ttl, now)
        tz = ZoneInfo(person.calendar.timezone or "Asia/Ho_Chi_Minh")
        workflow_id = f"person/{person.calendar.key}/{person.key}"
        step = f"telegram-link:{issued.id}"
        outbox.enqueue(
            session,
            workflow_id=workflow_id,
            calendar_key=person.calendar.key,
            step=step,
            recipients=[person.key],
            payload={
                "kind": "link",
                "link_url": f"https://t.me/{bot_username}?start={issued.code}",
                "bot_username": bot_username,
                "code": issued.code,
                "expires_text": f"{issued.expires_at.astimezone(tz):%d/%m/%Y %H:%M}",
                "expires_at": issued.expires_at.isoformat(),
            },
        )
        session.execute(  # a link is for the email channel: the chat is what it creates
            sa.delete(OutboxMessage).where(
                OutboxMessage.workflow_id == workflow_id,
                OutboxMessage.step == step,
                OutboxMessage.channel != Channel.EMAIL,
            )
        )
        session.add(
            AuditEntry(
                actor=by,
                action="telegram_link_sent",
                subject=f"person:{person.calendar.key}/{person.key}",
                unit_id=target.unit_id,
                details={
                    "before": {"telegram_linked": target.linked},
                    "after": {"code_expires": issued.expires_at.isoformat()},
                    "email": person.email,
                },
            )
        )
        sent.append(target)
    return sent
