"""A person's channels as the notifier sees them: the bound Telegram chat and the channels
switched off after a permanent delivery error. Synchronous; callers own the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.enums import Channel
from store.models import Person, PersonChannel, Unit, UnitContact


@dataclass(frozen=True, slots=True)
class Route:
    """Where a message to a person on a channel goes now, or why it cannot."""

    address: str | None
    disabled_reason: str | None = None

    @property
    def usable(self) -> bool:
        return self.address is not None and self.disabled_reason is None


def _row(session: Session, person_id: int, channel: Channel) -> PersonChannel | None:
    return session.scalar(
        sa.select(PersonChannel).where(
            PersonChannel.person_id == person_id, PersonChannel.channel == channel
        )
    )


def route(session: Session, person: Person, channel: Channel) -> Route:
    """The address to use: the person's email, or the Telegram chat bound to them.

    A Telegram handle in the calendar is not an address (a bot cannot write to a username
    first); only a chat bound with `/start CODE` is.
    """
    row = _row(session, person.id, channel)
    if channel is Channel.EMAIL:
        if not person.email:
            return Route(None, "không có địa chỉ email")
        if row is not None and row.disabled_at is not None and row.address == person.email:
            return Route(person.email, row.disabled_reason or "đã tắt")
        return Route(person.email)
    if row is None or row.address is None:
        return Route(
            None, "chưa liên kết Zalo" if channel is Channel.ZALO else "chưa liên kết Telegram"
        )
    if row.disabled_at is not None:
        return Route(row.address, row.disabled_reason or "đã tắt")
    return Route(row.address)


def disable(session: Session, person_id: int, channel: Channel, address: str, reason: str) -> bool:
    """Switch the channel off for this person and address; False if it already was."""
    row = _row(session, person_id, channel)
    if row is None:
        row = PersonChannel(person_id=person_id, channel=channel)
        session.add(row)
    elif row.disabled_at is not None and row.address == address:
        return False
    row.address = address
    row.disabled_at = utcnow()
    row.disabled_reason = reason
    session.flush()
    return True


def bind_telegram(
    session: Session, person_id: int, chat_id: str, username: str | None, at: datetime
) -> None:
    """Bind a chat to the person (enabling the channel again if it had been disabled)."""
    bind(session, person_id, Channel.TELEGRAM, chat_id, username, at)


def bind(
    session: Session,
    person_id: int,
    channel: Channel,
    address: str,
    username: str | None,
    at: datetime,
) -> None:
    """Bind a chat address (Telegram chat id, Zalo user id) to the person."""
    row = _row(session, person_id, channel)
    if row is None:
        row = PersonChannel(person_id=person_id, channel=channel)
        session.add(row)
    row.address = address
    row.username = username
    row.linked_at = at
    row.disabled_at = None
    row.disabled_reason = None
    session.flush()


def follow_changed(session: Session, channel: Channel, address: str, reason: str | None) -> int:
    """A chat address stopped (`reason`) or resumed (None) taking messages, for every
    person bound to it: the Zalo user who unfollowed the OA, or followed it again."""
    query = sa.update(PersonChannel).where(
        PersonChannel.channel == channel, PersonChannel.address == address
    )
    if reason is None:
        query = query.where(PersonChannel.disabled_at.is_not(None)).values(
            disabled_at=None, disabled_reason=None, updated_at=utcnow()
        )
    else:
        query = query.where(PersonChannel.disabled_at.is_(None)).values(
            disabled_at=utcnow(), disabled_reason=reason, updated_at=utcnow()
        )
    return int(session.execute(query).rowcount or 0)


def rebind_chat(session: Session, old_chat: str, new_chat: str) -> int:
    """A Telegram group became a supergroup: every binding follows it to the new id."""
    result = session.execute(
        sa.update(PersonChannel)
        .where(PersonChannel.channel == Channel.TELEGRAM, PersonChannel.address == old_chat)
        .values(address=new_chat, updated_at=utcnow())
    )
    return int(result.rowcount or 0)


def people_of_chat(
    session: Session, chat_id: str, channel: Channel = Channel.TELEGRAM
) -> list[Person]:
    """The people bound to a chat (Telegram chat, Zalo user) and not disabled there
    (live people only)."""
    return list(
        session.scalars(
            sa.select(Person)
            .join(PersonChannel, PersonChannel.person_id == Person.id)
            .where(
                PersonChannel.channel == channel,
                PersonChannel.address == chat_id,
                PersonChannel.disabled_at.is_(None),
                Person.removed_at.is_(None),
            )
            .order_by(Person.id)
        )
    )


def zalo_user(session: Session, person_id: int) -> str | None:
    """The Zalo user bound to the person, if any (disabled or not: delivery decides)."""
    row = _row(session, person_id, Channel.ZALO)
    return row.address if row is not None else None


def zalo_state(session: Session, person_id: int) -> str:
    """How the person stands on Zalo, in words for the dashboard ("" when not linked)."""
    row = _row(session, person_id, Channel.ZALO)
    if row is None or row.address is None:
        return ""
    if row.disabled_at is not None:
        return f"đã tắt: {row.disabled_reason or 'không rõ lý do'}"
    return "đã liên kết"


def people_with_email(session: Session, address: str) -> list[Person]:
    """Live people whose calendar email is `address` (case-insensitive)."""
    return list(
        session.scalars(
            sa.select(Person)
            .where(sa.func.lower(Person.email) == address.strip().lower())
            .where(Person.removed_at.is_(None))
            .order_by(Person.id)
        )
    )


def units_of(session: Session, person_ids: list[int], role: str = "focal_point") -> list[Unit]:
    """Live units for which one of these people is a contact in `role`."""
    if not person_ids:
        return []
    return list(
        session.scalars(
            sa.select(Unit)
            .join(UnitContact, UnitContact.unit_id == Unit.id)
            .where(UnitContact.person_id.in_(person_ids), UnitContact.role == role)
            .where(Unit.removed_at.is_(None))
            .distinct()
            .order_by(Unit.id)
        )
    )
