"""Tables of a person's channels as the notifier knows them: bindings and link codes.

The calendar says *that* a person has an email address or a Telegram handle; these rows
say what the notifier learnt since: which Telegram chat belongs to the person (bound with
a one-time code), and which channel was switched off after a permanent delivery error.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

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


class TelegramQuestion(enum.StrEnum):
    """What the bot asked a chat after a button, so that its next message is the answer."""

    SUBMIT = "submit"
    """After Đã nộp: a file or a document number."""
    EXTENSION = "extension"
    """After Xin gia hạn: the number of days, then the reason."""


class TelegramPending(Base):
    """A Telegram exchange the bot is in the middle of, one row per chat.

    The bot's follow-ups (the days and reason after Xin gia hạn, the file or number after
    Đã nộp, the choice of deadline for a file sent while several were owed) span two
    updates. Kept in the process's memory, a restart between them would lose the
    question and misread the answer; kept here, it is written before the question is
    asked and survives a deploy or a crash. `asked_at` and `held_at` let an answer that
    comes too late be told so instead of being applied to a forgotten question.
    """

    __tablename__ = "telegram_pending"

    chat_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    question: Mapped[TelegramQuestion | None] = mapped_column(
        enum_column(TelegramQuestion, "telegram_question")
    )
    deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_deadlines.id"))
    """The deadline the question is about (checked again against the chat on answer)."""
    request_id: Mapped[str | None] = mapped_column(sa.String(64))
    """The workflow request id the answer is sent with: one question, one request, so an
    answer repeated (re-delivered, or sent again after a crash) is applied once."""
    asked_at: Mapped[datetime | None]
    held: Mapped[dict[str, Any] | None]
    """A document number and/or stored file sent while several deadlines were owed,
    waiting for the person to pick one (`notifier.telegram.pending.Held`)."""
    held_at: Mapped[datetime | None]
    filed_deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_deadlines.id"))
    """The deadline this chat just submitted: files that follow soon after (a report
    photographed page by page) are added to that submission (`filed_at`, when)."""
    filed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
