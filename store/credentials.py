"""Who may act for a unit now: the one check behind every credential a person holds (a
submit link, a linked Telegram chat, a reply from their address).

The same holds for a decision: an extension is approved or refused by a focal point of the
receiving unit, checked when the decision arrives, not when its buttons were sent.

A credential says who it was given to; whether that person may still act is the current
calendar's answer, not the credential's. They may act for a unit while they are one of
its focal points, neither they nor the unit removed from the calendar. Every channel asks
here, so a person taken off a unit loses every channel at once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines.model import Role
from store.models import Cycle, Obligation, Person, Unit, UnitContact, UnitDeadline


def is_current_focal_point() -> sa.ColumnElement[bool]:
    """The condition, for a query that joins UnitContact, Person and Unit (the contact's
    unit and person), that the person is a focal point of the unit now."""
    return sa.and_(
        UnitContact.role == Role.FOCAL_POINT,
        Person.removed_at.is_(None),
        Unit.removed_at.is_(None),
    )


def current_focal_points(*columns: Any) -> sa.Select[Any]:
    """SELECT `columns` (default: Person) over the current focal points of every unit;
    the caller narrows it by unit or person."""
    return (
        sa.select(*(columns or (Person,)))
        .select_from(UnitContact)
        .join(Person, Person.id == UnitContact.person_id)
        .join(Unit, Unit.id == UnitContact.unit_id)
        .where(is_current_focal_point())
    )


def acting_for_deadline(
    session: Session, deadline_id: int, person_key: str | None
) -> Person | None:
    """The person (config id, in the deadline's calendar) if they may act on this deadline
    now; None otherwise, and always for a credential that names nobody."""
    if not person_key:
        return None
    person: Person | None = session.scalar(
        current_focal_points(Person)
        .join(UnitDeadline, UnitDeadline.unit_id == Unit.id)
        .where(
            UnitDeadline.id == deadline_id,
            Person.key == person_key,
            Person.calendar_id == Unit.calendar_id,
        )
    )
    return person


def deciding_for_deadline(session: Session, deadline_id: int, person_id: int) -> bool:
    """Whether the person may decide this deadline's extension requests now: a current
    focal point of the unit its obligation reports to."""
    found = session.scalar(
        current_focal_points(Person.id)
        .join(Obligation, Obligation.receiver_id == Unit.id)
        .join(Cycle, Cycle.obligation_id == Obligation.id)
        .join(UnitDeadline, UnitDeadline.cycle_id == Cycle.id)
        .where(UnitDeadline.id == deadline_id, Person.id == person_id)
        .limit(1)
    )
    return found is not None
