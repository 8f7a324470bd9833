"""A coordinator's unpublished changes to a calendar: one draft per calendar and author.

The draft holds the whole calendar document (the same JSON as a revision's) and the
revision it started from; it is only ever written whole and valid (web.routes.editor
validates it through the loader first), so nothing is half-saved, and it outlives a
refused publish so the author can rebase it onto the newest revision.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, utcnow
from store.models.calendar import Calendar


class CalendarDraft(Base):
    __tablename__ = "calendar_drafts"
    __table_args__ = (sa.UniqueConstraint("calendar_id", "author"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(sa.ForeignKey("calendars.id"))
    author: Mapped[str] = mapped_column(sa.Text)
    """How the account is named in the audit log (`web:<email>`)."""
    base_revision: Mapped[int]
    """The revision the draft was started from (or last rebased onto)."""
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    calendar: Mapped[Calendar] = relationship()
