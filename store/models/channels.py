"""Tables of a person's channels as the notifier knows them: bindings and link codes.

The calendar says *that* a person has an email address or a Telegram handle; these rows
say what the notifier learnt since: which Telegram chat belongs to the person (bound with
a one-time code), and which channel was switched off after a permanent delivery error.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, enum_column, utcnow
from store.enums import Channel
from store.models.calendar import Person


class PersonChannel(Base):
    """One person on one channel: the Telegram chat bound to them, and whether delivery
    there is disabled (bad address, bot blocked) and why.

    For email, `address` is the address that failed: a calendar that gives the person a
    new address enables the channel again. For Telegram it is the bound chat id; binding
    again (a new `/start CODE`) clears `disabled_at`.
    """

    __tablename__ = "person_channels"
    __table_args__ = (
        sa.UniqueConstraint("person_id", "channel"),
        sa.Index(None, "channel", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    address: Mapped[str | None] = mapped_column(sa.String(255))
    username: Mapped[str | None] = mapped_column(sa.String(255))
    """The Telegram username seen when binding (informative: chats are bound by id)."""
    linked_at: Mapped[datetime | None]
    disabled_at: Mapped[datetime | None]
    disabled_reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship()


class LinkCode(Base):
    """A one-time code binding a Telegram account to a person (`/start CODE`).

    Only the code's sha256 is stored: a leaked database does not leak usable codes.
    """

    __tablename__ = "link_codes"
    __table_args__ = (sa.Index(None, "person_id", "used_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"))
    code_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(sa.String(64))
    """The Telegram chat id that used it."""
    revoked_at: Mapped[datetime | None]
    """Set when a newer code was issued for the same person."""
    created_by: Mapped[str] = mapped_column(sa.String(255))

    person: Mapped[Person] = relationship()
