"""SQLAlchemy models, one module per concern; import them from here."""

from store.base import Base
from store.models.calendar import Calendar, Obligation, Person, Supervisor, Unit, UnitContact
from store.models.messages import AuditEntry, InboundMessage, OutboxMessage
from store.models.tracking import Cycle, Evidence, ExtensionRequest, Submission, UnitDeadline

__all__ = [
    "AuditEntry",
    "Base",
    "Calendar",
    "Cycle",
    "Evidence",
    "ExtensionRequest",
    "InboundMessage",
    "Obligation",
    "OutboxMessage",
    "Person",
    "Submission",
    "Supervisor",
    "Unit",
    "UnitContact",
    "UnitDeadline",
]
