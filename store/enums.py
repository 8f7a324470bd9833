"""The states the store records: one enum per status column, values stored as text.

Config-side enums (period kinds, contact roles) come from `deadlines.model`; these are the
runtime states only the engine produces.
"""

from __future__ import annotations

import enum


class CycleStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class DeadlineStatus(enum.StrEnum):
    """Where one unit stands against one obligation in one period.

    The first four are the life of a deadline nobody has answered yet; the rest are how it
    ends (or is suspended, for `extended`). `missing` is what a closed cycle records for a
    unit that never submitted.
    """

    SCHEDULED = "scheduled"
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    EXTENDED = "extended"
    EXCUSED = "excused"
    MISSING = "missing"

    @property
    def is_settled(self) -> bool:
        """True once nothing more is expected from the unit."""
        return self in _SETTLED


_SETTLED = frozenset(
    {
        DeadlineStatus.SUBMITTED_ON_TIME,
        DeadlineStatus.SUBMITTED_LATE,
        DeadlineStatus.EXCUSED,
        DeadlineStatus.MISSING,
    }
)


class Channel(enum.StrEnum):
    """How a message leaves hanchot."""

    EMAIL = "email"
    TELEGRAM = "telegram"


class InboundChannel(enum.StrEnum):
    """How a reply or a submission reaches hanchot (`cli`: typed in by a coordinator)."""

    EMAIL = "email"
    TELEGRAM = "telegram"
    WEB = "web"
    CLI = "cli"


class ExtensionStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


class OutboxStatus(enum.StrEnum):
    """Delivery state; `disabled` means the channel was switched off for that contact
    after a permanent error (e.g. the bot was blocked) and the message will not be retried."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DISABLED = "disabled"


class InboundOutcome(enum.StrEnum):
    APPLIED = "applied"
    QUARANTINED = "quarantined"
    REFUSED = "refused"
