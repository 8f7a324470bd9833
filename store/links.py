"""One-time codes that bind a Telegram account (`/start CODE`) or a Zalo user (the code
written to the OA) to a person.

A code is random (128 bits), stored only as its sha256, expires, is used once, and is
revoked when a newer one is issued for the same person. `redeem` says exactly why a code
is refused, so the bot can answer clearly.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import channels
from store.base import utcnow
from store.enums import Channel
from store.models import Calendar, LinkCode, Person

DEFAULT_TTL = timedelta(hours=48)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
CODE_LENGTH = 22
"""~128 bits; only [A-Za-z0-9] so it survives a `t.me/<bot>?start=` deep link."""


class Refusal(enum.StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    PERSON_GONE = "person_gone"
    CHAT_TAKEN = "chat_taken"
    """This Telegram account is already bound to another person of the same calendar."""


@dataclass(frozen=True, slots=True)
class Issued:
    id: int
    code: str
    person: Person
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Redeemed:
    person: Person | None
    refusal: Refusal | None = None
    other: Person | None = None
    """With CHAT_TAKEN: the person the chat is already bound to."""


def code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().encode("utf-8")).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def issue(
    session: Session,
    person: Person,
    by: str,
    ttl: timedelta = DEFAULT_TTL,
    now: datetime | None = None,
) -> Issued:
    """A new code for `person`; any older unused code of theirs stops working."""
    now = now or utcnow()
    session.execute(
        sa.update(LinkCode)
        .where(
            LinkCode.person_id == person.id,
            LinkCode.used_at.is_(None),
            LinkCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    code = new_code()
    row = LinkCode(
        person_id=person.id,
        code_sha256=code_hash(code),
        created_at=now,
        expires_at=now + ttl,
        created_by=by,
    )
    session.add(row)
    session.flush()
    return Issued(row.id, code, person, now + ttl)


def redeem(
    session: Session,
    code: str,
    chat_id: str,
    username: str | None,
    now: datetime | None = None,
    channel: Channel = Channel.TELEGRAM,
) -> Redeemed:
    """Bind `chat_id` to the code's person, or say why not. Compare-and-set on `used_at`,
    so two simultaneous `/start` with one code bind at most one chat."""
    now = now or utcnow()
    row = session.scalar(sa.select(LinkCode).where(LinkCode.code_sha256 == code_hash(code)))
    if row is None:
        return Redeemed(None, Refusal.UNKNOWN)
    person = row.person
    if row.used_at is not None:
        return Redeemed(person, Refusal.USED)
    if row.revoked_at is not None:
        return Redeemed(person, Refusal.REVOKED)
    if row.expires_at <= now:
        return Redeemed(person, Refusal.EXPIRED)
    if person.removed_at is not None:
        return Redeemed(person, Refusal.PERSON_GONE)
    for other in channels.people_of_chat(session, chat_id, channel):
        if other.calendar_id == person.calendar_id and other.id != person.id:
            return Redeemed(person, Refusal.CHAT_TAKEN, other)
    claimed = session.execute(
        sa.update(LinkCode)
        .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
        .values(used_at=now, used_by=chat_id)
    ).rowcount
    if not claimed:
        return Redeemed(person, Refusal.USED)
    channels.bind(session, person.id, channel, chat_id, username, now)
    return Redeemed(person)


def find_person(session: Session, ref: str) -> list[Person]:
    """People named by `ref`: `calendar/person` or a bare person id (maybe in several
    calendars), live ones only."""
    query = sa.select(Person).join(Calendar, Person.calendar_id == Calendar.id)
    if "/" in ref:
        calendar_key, person_key = ref.split("/", 1)
        query = query.where(Calendar.key == calendar_key, Person.key == person_key)
    else:
        query = query.where(Person.key == ref)
    return list(session.scalars(query.where(Person.removed_at.is_(None)).order_by(Person.id)))
