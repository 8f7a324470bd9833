"""SQLAlchemy models, one module per concern; import them from here."""

from store.base import Base
from store.models.calendar import (
    Calendar,
    CalendarRevision,
    Obligation,
    Person,
    Supervisor,
    Unit,
    UnitContact,
)
from store.models.channels import LinkCode, PersonChannel, TelegramPending, TelegramQuestion
from store.models.drafts import CalendarDraft
from store.models.leases import Lease
from store.models.messages import AuditEntry, InboundMessage, OutboxMessage, RateBudget
from store.models.tracking import Cycle, Evidence, ExtensionRequest, Submission, UnitDeadline
from store.models.web import AccountToken, LoginThrottle, WebRole, WebSession, WebUser
from store.models.zalo import ZaloInbound, ZaloToken

__all__ = [
    "AccountToken",
    "AuditEntry",
    "Base",
    "Calendar",
    "CalendarDraft",
    "CalendarRevision",
    "Cycle",
    "Evidence",
    "ExtensionRequest",
    "InboundMessage",
    "Lease",
    "LinkCode",
    "LoginThrottle",
    "Obligation",
    "OutboxMessage",
    "Person",
    "PersonChannel",
    "RateBudget",
    "Submission",
    "Supervisor",
    "TelegramPending",
    "TelegramQuestion",
    "Unit",
    "UnitContact",
    "UnitDeadline",
    "WebRole",
    "WebSession",
    "WebUser",
    "ZaloInbound",
    "ZaloToken",
]
