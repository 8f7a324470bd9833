"""Link codes by email, the one place their outbox row is written: a code for one person
(`hanchot link`, `notifier.linking`) or for the focal points of a subtree in one action
(the dashboard's linking page), and who has linked Telegram and Zalo.

One code links either: opened as the `t.me/<bot>?start=CODE` deep link (or `/start CODE`
to the bot), or written as a message to the Zalo OA after following it. The email says
each way that is configured. Each code is `store.links.issue` (a newer code replaces an
older one); its email is an outbox row of kind `link` on the email channel only, keyed
`person/<calendar>/<person>` + `telegram-link:<code id>` (the key kept from when codes were
Telegram's alone), written straight to the person's email: a preferred channel order
(`people[].channels`) never routes it elsewhere, since a chat is what the code is about
to create. The dashboard adds an audit entry under the person's unit; all of it in the
caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.model import Role
from store import links
from store.account_mail import local_text
from store.base import utcnow
from store.enums import Channel, OutboxStatus
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

STEP_PREFIX = "telegram-link:"
AUDIT_ACTION = "link_code_sent"
"""Audited as such since codes link Zalo too (older entries: `telegram_link_sent`)."""
TTL = links.DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class Ways:
    """How a code can be used in this deployment: the Telegram bot's name and the Zalo
    OA's follow link, each empty when that channel is not configured."""

    bot_username: str = ""
    zalo_url: str = ""

    @property
    def channels(self) -> tuple[Channel, ...]:
        """The chat channels a code links here, Zalo first (where officials already are)."""
        return tuple(
            c
            for c, way in ((Channel.ZALO, self.zalo_url), (Channel.TELEGRAM, self.bot_username))
            if way
        )

    def telegram_url(self, code: str) -> str:
        return f"https://t.me/{self.bot_username}?start={code}" if self.bot_username else ""


@dataclass(frozen=True, slots=True)
class Queued:
    """A code issued and its email pending in the outbox."""

    issued: links.Issued
    workflow_id: str
    step: str
    url: str
    """The link the email leads with: Telegram's deep link, else the OA's follow link."""
    expires_text: str


def queue_code(
    session: Session,
    person: Person,
    ways: Ways,
    *,
    by: str,
    now: datetime | None = None,
    ttl: timedelta = TTL,
) -> Queued:
    """A new code for `person` (who has an email) and its email, pending in the outbox."""
    if not person.email:
        raise ValueError(f"person {person.key} has no email")
    issued = links.issue(session, person, by, ttl, now or utcnow())
    calendar = person.calendar
    expires_text = local_text(issued.expires_at, calendar.timezone)
    url = ways.telegram_url(issued.code)
    row = OutboxMessage(
        workflow_id=f"person/{calendar.key}/{person.key}",
        step=f"{STEP_PREFIX}{issued.id}",
        channel=Channel.EMAIL,
        recipient_id=person.id,
        address=person.email,
        deadline_id=None,
        payload={
            "kind": "link",
            "link_url": url,
            "zalo_url": ways.zalo_url,
            "bot_username": ways.bot_username,
            "code": issued.code,
            "expires_text": expires_text,
            "expires_at": issued.expires_at.isoformat(),
            "recipient": person.key,
            "channel": Channel.EMAIL.value,
        },
        status=OutboxStatus.PENDING,
    )
    session.add(row)
    session.flush()
    return Queued(issued, row.workflow_id, row.step, url or ways.zalo_url, expires_text)


@dataclass(frozen=True, slots=True)
class Link:
    """Where a person stands on one chat channel."""

    linked_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def linked(self) -> bool:
        return self.linked_at is not None and self.disabled_reason is None


@dataclass(frozen=True, slots=True)
class FocalPoint:
    """One focal point of the subtree and where he stands with Telegram and Zalo."""

    person_id: int
    key: str
    name: str
    email: str | None
    units: tuple[str, ...]
    unit_id: int
    """His first unit in the subtree: where the audit entry about him is filed."""
    telegram: Link
    zalo: Link
    code_sent_at: datetime | None
    code_expires_at: datetime | None
    code_used: bool

    def linked(self, channel: Channel) -> bool:
        return (self.zalo if channel is Channel.ZALO else self.telegram).linked

    def linked_any(self, ways: Ways) -> bool:
        """Linked on a channel a code can link here (the ones configured)."""
        return any(self.linked(c) for c in ways.channels)


def _link(row: PersonChannel | None) -> Link:
    if row is None or not row.address:
        return Link()
    return Link(row.linked_at, (row.disabled_reason or "đã tắt") if row.disabled_at else None)


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
        (c.person_id, c.channel): c
        for c in session.scalars(
            sa.select(PersonChannel).where(
                PersonChannel.person_id.in_(ids),
                PersonChannel.channel.in_((Channel.TELEGRAM, Channel.ZALO)),
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
        last = codes.get(pid)
        out.append(
            FocalPoint(
                pid,
                person.key,
                person.name,
                person.email,
                tuple(unit_names),
                unit_id,
                _link(chats.get((pid, Channel.TELEGRAM))),
                _link(chats.get((pid, Channel.ZALO))),
                last.created_at if last else None,
                last.expires_at if last else None,
                bool(last and last.used_at),
            )
        )
    return out


def send_codes(
    session: Session,
    targets: list[FocalPoint],
    ways: Ways,
    *,
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
        queued = queue_code(session, person, ways, by=by, now=now, ttl=ttl)
        session.add(
            AuditEntry(
                actor=by,
                action=AUDIT_ACTION,
                subject=f"person:{person.calendar.key}/{person.key}",
                unit_id=target.unit_id,
                details={
                    "before": {f"{c.value}_linked": target.linked(c) for c in ways.channels},
                    "after": {"code_expires": queued.issued.expires_at.isoformat()},
                    "email": person.email,
                },
            )
        )
        sent.append(target)
    return sent
