"""Tables for messages in and out, and the audit log.

The outbox row is the truth of what was sent: it is written before sending and updated
with the outcome, and its unique key makes a retried send activity a no-op.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, enum_column, utcnow
from store.enums import Channel, InboundChannel, InboundOutcome, OutboxStatus
from store.models.calendar import Person
from store.models.tracking import WORKFLOW_ID, UnitDeadline


class OutboxMessage(Base):
    """One message to one person over one channel, for one step of one workflow.

    The key is (workflow_id, step, channel, recipient): a reminder step reaches every
    focal point on every channel they have, each its own delivery with its own outcome,
    while a retry of the same step for the same person can never insert a second row.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("workflow_id", "step", "channel", "recipient_id", name="uq_outbox_key"),
        sa.Index(None, "status", "created_at"),
        sa.CheckConstraint("attempts >= 0", "attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(WORKFLOW_ID)
    step: Mapped[str] = mapped_column(sa.String(128))
    """The timeline step, e.g. `remind:-3d` or `escalate:head`."""
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"), index=True)
    """The person; None for mail to a dashboard account (an invitation, a password reset:
    `store.account_mail`), which goes to `address` and is keyed by its one-time step."""
    address: Mapped[str] = mapped_column(sa.Text)
    """Email address or Telegram chat as it was when the row was written."""
    deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_deadlines.id"), index=True)
    payload: Mapped[dict[str, Any]]
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    message_id: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    """The provider's id (SMTP Message-ID, Telegram message id) once sent; indexed: a
    reply without its token is matched by the Message-ID it answers."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128), index=True)
    """The relay claim (`<relay instance>/<claim>`) that holds the row or last held it:
    only that claim records the send's outcome (`store.claims`)."""
    lease_until: Mapped[datetime | None]
    """Until when the claim is honoured; its relay renews it while alive."""

    recipient: Mapped[Person | None] = relationship()
    deadline: Mapped[UnitDeadline | None] = relationship()


class InboundMessage(Base):
    """A reply received (mail, Telegram, web) and what was done with it.

    `(channel, raw_ref)` is unique so a mailbox read twice is processed once.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (
        sa.UniqueConstraint("channel", "raw_ref"),
        sa.Index(None, "outcome", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[InboundChannel] = mapped_column(enum_column(InboundChannel, "channel"))
    sender: Mapped[str] = mapped_column(sa.Text)
    """As received (address, chat id), whether or not it matched a person."""
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    raw_ref: Mapped[str] = mapped_column(sa.String(512))
    """Where the original is: Message-ID, Telegram update id, upload id."""
    deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit_deadlines.id"), index=True)
    outcome: Mapped[InboundOutcome] = mapped_column(enum_column(InboundOutcome, "outcome"))
    reason: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    original_path: Mapped[str | None] = mapped_column(sa.String(512))
    """The raw message under the data dir (`inbound/<sha[:2]>/<sha>`), when it was kept."""
    resolved_at: Mapped[datetime | None]
    """A quarantined reply a coordinator has dealt with; None while it waits."""
    resolved_by: Mapped[str | None] = mapped_column(sa.String(255))
    resolution: Mapped[str | None] = mapped_column(sa.Text)
    """What was done, in Vietnamese: the submission recorded, or why it was dismissed."""

    person: Mapped[Person | None] = relationship()
    deadline: Mapped[UnitDeadline | None] = relationship()


class AuditEntry(Base):
    """Who did what to which thing, and when. Written in the same transaction as the change.

    `subject` names the thing as `kind:calendar/key` (e.g. `unit:bimson-2017/phong-noi-vu`)
    so one thing's history is one indexed lookup.
    """

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index(None, "subject", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(sa.String(255))
    action: Mapped[str] = mapped_column(sa.String(64))
    subject: Mapped[str] = mapped_column(sa.String(512))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    """The unit whose subtree the thing lies in, when there is one (an account's scope, a
    person's unit): the audit page shows a scoped coordinator the entries under his root."""


class RateBudget(Base):
    """A provider's limit shared by every relay: at most `count` sends in any `window_ms`
    under `key` (a bot, a chat, an SMTP server), and the latest slots taken (`store.budgets`)."""

    __tablename__ = "rate_budgets"

    key: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    window_ms: Mapped[int]
    count: Mapped[int]
    slots: Mapped[list[Any]] = mapped_column(default=list)
    """The last `count` slots granted, as epoch seconds, oldest first."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
