"""Tables the engine writes as cycles run: deadlines per unit, submissions, extensions.

This is the read model of the Temporal workflows (the workflows hold the truth while a
cycle runs; activities mirror every transition here for the dashboard, digests and
exports), so every column is something a person asks about: who is late, since when,
what was sent in, who granted more time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, enum_column, utcnow
from store.enums import CycleStatus, DeadlineStatus, ExtensionStatus, InboundChannel
from store.models.calendar import Obligation, Person, Unit

WORKFLOW_ID = sa.String(255)


class Cycle(Base):
    """One obligation in one period, e.g. `bao-cao-6-thang` for `2025-H1`.

    `snapshot` is the obligation and timeline frozen when the cycle opened, rewritten only
    when a published calendar revision is applied to the cycle's deadlines in flight
    (activities.revisions); read and written as types through store.cycle_snapshots.
    """

    __tablename__ = "cycles"
    __table_args__ = (sa.UniqueConstraint("obligation_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(WORKFLOW_ID, unique=True)
    obligation_id: Mapped[int] = mapped_column(sa.ForeignKey("obligations.id"))
    period: Mapped[str] = mapped_column(sa.String(32))
    status: Mapped[CycleStatus] = mapped_column(
        enum_column(CycleStatus, "cycle_status"), default=CycleStatus.OPEN, index=True
    )
    snapshot: Mapped[dict[str, Any]]
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    obligation: Mapped[Obligation] = relationship()
    deadlines: Mapped[list[UnitDeadline]] = relationship(back_populates="cycle")


class UnitDeadline(Base):
    """One unit's deadline in one cycle, mirrored from its UnitDeadline workflow.

    `workflow_id` is `deadline/{calendar}/{obligation}/{period}/{unit}`. The indexes serve
    the dashboard: everything in a state (overdue first by legal end), one unit's history,
    one cycle's tally.
    """

    __tablename__ = "unit_deadlines"
    __table_args__ = (
        sa.UniqueConstraint("cycle_id", "unit_id"),
        sa.Index(None, "status", "legal_end_at"),
        sa.Index(None, "unit_id", "status"),
        sa.Index(None, "cycle_id", "status"),
        sa.Index(None, "reply_token"),
        sa.CheckConstraint("reminders_sent >= 0", "reminders_sent_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow_id: Mapped[str] = mapped_column(WORKFLOW_ID, unique=True)
    cycle_id: Mapped[int] = mapped_column(sa.ForeignKey("cycles.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    status: Mapped[DeadlineStatus] = mapped_column(
        enum_column(DeadlineStatus, "deadline_status"), default=DeadlineStatus.SCHEDULED
    )
    legal_end_at: Mapped[datetime]
    """Last instant a submission counts as on time, by the calendar as frozen."""
    extended_until: Mapped[datetime | None]
    """The granted extension's new legal end, when one was approved."""
    submitted_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0)
    last_event_at: Mapped[datetime | None]
    reply_token: Mapped[str | None] = mapped_column(sa.String(16))
    """The reply token of the deadline's emails (`[HC-XXXXXXXXXX]`, an HMAC of the workflow
    id under the deployment's secret), kept so a reply finds its deadline by lookup. Only
    the notifier knows the secret, so it fills the column (`notifier.mailbox.matching`);
    NULL until then."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="deadlines")
    unit: Mapped[Unit] = relationship()
    submissions: Mapped[list[Submission]] = relationship(back_populates="deadline")
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(back_populates="deadline")

    @property
    def due_at(self) -> datetime:
        """The legal end in force: the extension when granted, else the calendar's."""
        return self.extended_until or self.legal_end_at


class Submission(Base):
    """A unit saying "submitted": by whom, through what, citing which document."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(sa.ForeignKey("unit_deadlines.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    """Who submitted; None when a coordinator recorded it on the unit's behalf."""
    channel: Mapped[InboundChannel] = mapped_column(enum_column(InboundChannel, "channel"))
    document_number: Mapped[str | None] = mapped_column(sa.Text)
    """As written, e.g. `45/BC-UBND`."""
    note: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    deadline: Mapped[UnitDeadline] = relationship(back_populates="submissions")
    person: Mapped[Person | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="submission", cascade="all, delete-orphan"
    )


class Evidence(Base):
    """A file attached to a submission; the bytes live at `storage_path`, named by hash."""

    __tablename__ = "evidence"
    __table_args__ = (sa.CheckConstraint("size >= 0", "size_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(
        sa.ForeignKey("submissions.id", ondelete="CASCADE"), index=True
    )
    file_name: Mapped[str] = mapped_column(sa.Text)
    content_type: Mapped[str] = mapped_column(sa.String(255))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    storage_path: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="evidence")


class ExtensionRequest(Base):
    """A request for more time and the coordinator's decision on it."""

    __tablename__ = "extension_requests"
    __table_args__ = (sa.CheckConstraint("requested_days > 0", "requested_days_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    deadline_id: Mapped[int] = mapped_column(sa.ForeignKey("unit_deadlines.id"), index=True)
    requested_days: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.Text)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_column(ExtensionStatus, "extension_status"),
        default=ExtensionStatus.REQUESTED,
        index=True,
    )
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    new_due_at: Mapped[datetime | None]
    """The new legal end granted (set with `approved`)."""

    deadline: Mapped[UnitDeadline] = relationship(back_populates="extension_requests")
    requested_by: Mapped[Person | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
