"""Leases: which process holds a job that must run in one process at a time.

A row per job (`mailbox`, `telegram-polling`): the holder renews it well inside its
lifetime and stops the job when it cannot; a holder that dies (kill -9, a lost machine)
just stops renewing, and any other process takes the job once the lease has run out. The
epoch counts hand-overs, so a holder can tell that the job changed hands while it slept.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, utcnow


class Lease(Base):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(128))
    """Who holds it: host, process id and a random part (`host:pid:xxxx`)."""
    epoch: Mapped[int] = mapped_column(default=1)
    """Incremented each time the lease changes hands."""
    expires_at: Mapped[datetime]
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
