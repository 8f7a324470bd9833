"""Tables holding a loaded calendar: who reports what to whom.

Every row is scoped by its calendar and keyed by the id written in the config (`key`),
so two calendars may both have a unit called `phong-ldtbxh`. Rows that leave the config
are marked `removed_at`, never deleted: deadlines, submissions and messages keep pointing
at them (see `store.calendars.save_calendar`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from deadlines.model import PeriodKind, Role
from store.base import Base, enum_column, utcnow

KEY = sa.String(128)
"""A config id (calendar, unit, person, obligation): short, ASCII in practice."""


class Calendar(Base):
    __tablename__ = "calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(KEY, unique=True)
    name: Mapped[str] = mapped_column(sa.Text)
    organisation_key: Mapped[str] = mapped_column(KEY)
    organisation_name: Mapped[str] = mapped_column(sa.Text)
    timezone: Mapped[str] = mapped_column(sa.String(64))
    language: Mapped[str] = mapped_column(sa.String(16))
    days_off: Mapped[list[Any]] = mapped_column(default=list)
    working_saturdays: Mapped[list[Any]] = mapped_column(default=list)
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    """sha256 of the canonical JSON of the whole calendar: equal hash, nothing to do."""
    source_path: Mapped[str] = mapped_column(sa.Text)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When a load last changed something (an unchanged reload writes nothing)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    people: Mapped[list[Person]] = relationship(back_populates="calendar")
    units: Mapped[list[Unit]] = relationship(back_populates="calendar")
    obligations: Mapped[list[Obligation]] = relationship(back_populates="calendar")


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("calendars.id"))
    key: Mapped[str] = mapped_column(KEY)
    name: Mapped[str] = mapped_column(sa.Text)
    email: Mapped[str | None] = mapped_column(sa.Text)
    telegram: Mapped[str | None] = mapped_column(sa.Text)
    phone: Mapped[str | None] = mapped_column(sa.Text)
    channels: Mapped[list[Any] | None]
    """The preferred channel order from the calendar (`people[].channels`), or None."""
    language: Mapped[str] = mapped_column(sa.String(16))
    removed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    calendar: Mapped[Calendar] = relationship(back_populates="people")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (
        sa.UniqueConstraint("calendar_id", "key"),
        sa.Index(None, "calendar_id", "kind"),
        sa.CheckConstraint(
            "closed IS NULL OR opened IS NULL OR opened < closed", "open_before_close"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("calendars.id"))
    key: Mapped[str] = mapped_column(KEY)
    name: Mapped[str] = mapped_column(sa.Text)
    """Exactly as written in the config: never escaped, trimmed or normalised here."""
    kind: Mapped[str] = mapped_column(sa.String(64))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    opened: Mapped[date | None]
    closed: Mapped[date | None]
    removed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    calendar: Mapped[Calendar] = relationship(back_populates="units")
    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id")
    contacts: Mapped[list[UnitContact]] = relationship(
        back_populates="unit",
        cascade="all, delete-orphan",
        order_by="(UnitContact.role, UnitContact.position)",
    )


class UnitContact(Base):
    """A person answering for a unit: its focal points (in config order) and its head."""

    __tablename__ = "unit_contacts"
    __table_args__ = (sa.UniqueConstraint("unit_id", "role", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "contact_role"))
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship(back_populates="contacts")
    person: Mapped[Person] = relationship()


class Supervisor(Base):
    """A person receiving the digest for everything under `unit` (one row per root)."""

    __tablename__ = "supervisors"
    __table_args__ = (sa.UniqueConstraint("person_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)

    person: Mapped[Person] = relationship()
    unit: Mapped[Unit] = relationship()


class Obligation(Base):
    """A report owed periodically. `config` is the obligation as loaded (canonical JSON),
    so a cycle's frozen snapshot can be compared with what the calendar says today."""

    __tablename__ = "obligations"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("calendars.id"))
    key: Mapped[str] = mapped_column(KEY)
    name: Mapped[str] = mapped_column(sa.Text)
    period: Mapped[PeriodKind] = mapped_column(enum_column(PeriodKind, "period_kind"))
    receiver_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    config: Mapped[dict[str, Any]]
    config_hash: Mapped[str] = mapped_column(sa.String(64))
    removed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    calendar: Mapped[Calendar] = relationship(back_populates="obligations")
    receiver: Mapped[Unit] = relationship()


class CalendarRevision(Base):
    """One published version of a calendar: numbered from 1, never changed once written.

    `document` is the calendar as its author wrote it (the YAML's mapping as plain JSON,
    or the dashboard's equivalent); the engine rebuilds the calendar from it through the
    same validation as a YAML file (`config.loader.load_calendar_data`), so a field the
    config learns is carried by every revision without code here. `applied_at` is set
    once the running engine has brought its open workflows in line with the revision.
    """

    __tablename__ = "calendar_revisions"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("calendars.id"))
    number: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    author: Mapped[str] = mapped_column(sa.Text)
    source: Mapped[str] = mapped_column(sa.String(16))
    """`yaml` (hanchot load), `dashboard` or `import`."""
    source_ref: Mapped[str | None] = mapped_column(sa.Text)
    """The file a YAML revision was read from, for people; never read back."""
    content_hash: Mapped[str] = mapped_column(sa.String(64))
    document: Mapped[dict[str, Any]]
    summary: Mapped[list[Any]] = mapped_column(default=list)
    """What changed from the previous revision (store.changes.Change as JSON)."""
    applied_at: Mapped[datetime | None] = mapped_column(index=True)

    calendar: Mapped[Calendar] = relationship()
