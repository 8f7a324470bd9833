"""The states the store records: one enum per status column, values stored as text.

Config-side enums (period kinds, contact roles) come from `deadlines.model`; these are the
runtime states only the engine produces.
"""

from __future__ import annotations

import enum

from deadlines.expected import DeadlineStatus as _DeadlineStatus


class CycleStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# One status vocabulary for the whole engine: the pure core owns it, the store records it.
DeadlineStatus = _DeadlineStatus


class Channel(enum.StrEnum):
    """How a message leaves hanchot."""

    EMAIL = "email"
    TELEGRAM = "telegram"
    ZALO = "zalo"


class InboundChannel(enum.StrEnum):
    """How a reply or a submission reaches hanchot (`cli`: typed in by a coordinator)."""

    EMAIL = "email"
    TELEGRAM = "telegram"
    ZALO = "zalo"
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


class ZaloEventStatus(enum.StrEnum):
    """Where a Zalo webhook event is in the inbound queue (`zalo_inbound`)."""

    WAITING = "waiting"
    HANDLING = "handling"
    DONE = "done"
    FAILED = "failed"
    """The handler raised (or the event outlived `MAX_ATTEMPTS` claims): kept with why,
    never tried again, and no longer holding back its user's later events."""
