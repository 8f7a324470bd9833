"""What a supervisor's digest says: the overdue units under him, grouped by obligation, with
each obligation's reporting and on-time rates against its previous period.

A supervisor is a person with rows in `supervisors` (one per root unit); he oversees the
union of those subtrees. The digest is built from the store (the read model the workflows
keep up to date) into plain dataclasses, and travels in the outbox as `Digest.payload()`:
the notifier renders it (HTML table, `.xlsx`, Telegram text) without touching the store.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from deadlines import present
from deadlines.expected import DeadlineStatus, Rates
from deadlines.model import Role
from store import deadline_facts
from store.models import (
    Calendar,
    Cycle,
    ExtensionRequest,
    Obligation,
    Person,
    Supervisor,
    Unit,
    UnitContact,
    UnitDeadline,
)
from store.scopes import Scope

KINDS = ("daily", "weekly")


@dataclass(frozen=True, slots=True)
class DigestUnit:
    unit_key: str
    unit_name: str
    period: str
    period_label: str
    due_on: str
    """ISO date (local) of the legal end in force, extension included."""
    days_overdue: int
    reminders_sent: int
    extension: str | None
    """The latest extension request's status (requested, approved, refused), if any."""
    focal_points: list[str] = field(default_factory=list)
    """"Name (email, telegram)" for each focal point, in config order."""
    escalations_sent: int = 0


@dataclass(frozen=True, slots=True)
class RateLine:
    period: str
    period_label: str
    expected: int
    submitted: int
    on_time: int

    @property
    def rates(self) -> Rates:
        return Rates(self.expected, self.submitted, self.on_time)


@dataclass(frozen=True, slots=True)
class DigestGroup:
    obligation_key: str
    obligation_name: str
    units: list[DigestUnit]
    current: RateLine | None
    previous: RateLine | None


@dataclass(frozen=True, slots=True)
class Digest:
    calendar_key: str
    calendar_name: str
    supervisor_key: str
    supervisor_name: str
    as_of: str
    """ISO date (local to the calendar) the days overdue are counted to."""
    groups: list[DigestGroup]

    @property
    def overdue(self) -> int:
        return sum(len(g.units) for g in self.groups)

    def payload(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def supervisor_keys(session: Session, calendar_key: str) -> list[str]:
    """Person ids of the calendar's supervisors (still in the config), sorted."""
    rows = session.scalars(
        sa.select(Person.key)
        .distinct()
        .join(Supervisor, Supervisor.person_id == Person.id)
        .join(Calendar, Person.calendar_id == Calendar.id)
        .where(Calendar.key == calendar_key, Person.removed_at.is_(None))
    )
    return sorted(rows)


def calendar_keys(session: Session) -> list[str]:
    return sorted(session.scalars(sa.select(Calendar.key)))


def _in_subtrees(session: Session, person_id: int) -> sa.ColumnElement[bool] | None:
    roots = session.scalars(sa.select(Supervisor.unit_id).where(Supervisor.person_id == person_id))
    clauses = [Scope(root).units_clause(UnitDeadline.unit_id) for root in roots]
    return sa.or_(*clauses) if clauses else None


def _focal_points(session: Session, unit_ids: set[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not unit_ids:
        return out
    rows = session.execute(
        sa.select(UnitContact.unit_id, Person.name, Person.phone, Person.email, Person.telegram)
        .join(Person, UnitContact.person_id == Person.id)
        .where(UnitContact.unit_id.in_(unit_ids), UnitContact.role == Role.FOCAL_POINT)
        .order_by(UnitContact.unit_id, UnitContact.position)
    )
    for unit_id, name, phone, email, telegram in rows:
        reach = ", ".join(a for a in (phone, email, telegram) if a)
        out[unit_id].append(f"{name} ({reach})" if reach else name)
    return out


def _extensions(session: Session, deadline_ids: list[int]) -> dict[int, str]:
    out: dict[int, str] = {}
    if not deadline_ids:
        return out
    rows = session.execute(
        sa.select(ExtensionRequest.deadline_id, ExtensionRequest.status)
        .where(ExtensionRequest.deadline_id.in_(deadline_ids))
        .order_by(ExtensionRequest.requested_at, ExtensionRequest.id)
    )
    for deadline_id, status in rows:
        out[deadline_id] = str(status.value if hasattr(status, "value") else status)
    return out


def _label(cycle: Cycle) -> str:
    return str((cycle.snapshot.get("cycle") or {}).get("period_label") or cycle.period)


def _rate_lines(
    session: Session, obligation_id: int, where: sa.ColumnElement[bool]
) -> list[RateLine]:
    """The obligation's cycles (in the supervisor's subtrees) with their rates, by period."""
    counts: dict[int, Counter[DeadlineStatus]] = defaultdict(Counter)
    rows = session.execute(
        sa.select(UnitDeadline.cycle_id, UnitDeadline.status, sa.func.count())
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .where(Cycle.obligation_id == obligation_id, where)
        .group_by(UnitDeadline.cycle_id, UnitDeadline.status)
    )
    for cycle_id, status, count in rows:
        counts[cycle_id][DeadlineStatus(status)] += count
    cycles = session.scalars(
        sa.select(Cycle).where(Cycle.id.in_(list(counts))).order_by(Cycle.period)
    )
    lines = []
    for cycle in cycles:
        if cycle.snapshot.get("cycle", {}).get("timeline", {}).get("expects_submission") is False:
            continue  # a campaign with no result report: nobody owed anything
        rates = Rates.of(counts[cycle.id].elements())
        lines.append(
            RateLine(cycle.period, _label(cycle), rates.expected, rates.submitted, rates.on_time)
        )
    return lines


def build_digest(session: Session, calendar_key: str, person_key: str, at: datetime) -> Digest:
    """The digest of `person_key` as of `at`; empty groups when nothing is overdue (or he
    supervises nothing)."""
    calendar = session.scalar(sa.select(Calendar).where(Calendar.key == calendar_key))
    if calendar is None:
        raise LookupError(f"calendar {calendar_key!r} is not in the store")
    person = session.scalar(
        sa.select(Person).where(Person.calendar_id == calendar.id, Person.key == person_key)
    )
    if person is None:
        raise LookupError(f"person {person_key!r} is not in calendar {calendar_key!r}")
    tz = ZoneInfo(calendar.timezone)
    today = at.astimezone(tz).date()
    empty = Digest(calendar.key, calendar.name, person.key, person.name, today.isoformat(), [])
    where = _in_subtrees(session, person.id)
    if where is None:
        return empty
    rows = session.execute(
        sa.select(UnitDeadline, Cycle, Obligation, Unit)
        .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
        .join(Obligation, Cycle.obligation_id == Obligation.id)
        .join(Unit, UnitDeadline.unit_id == Unit.id)
        .where(
            Obligation.calendar_id == calendar.id,
            UnitDeadline.status == DeadlineStatus.OVERDUE,
            where,
        )
        .order_by(Obligation.id, Cycle.period, Unit.id)
    ).all()
    if not rows:
        return empty
    contacts = _focal_points(session, {u.id for *_, u in rows})
    extensions = _extensions(session, [d.id for d, *_ in rows])
    escalated = deadline_facts.escalations_sent(session, [d.workflow_id for d, *_ in rows])
    reminded = deadline_facts.reminders_sent(session, [d for d, *_ in rows])
    by_obligation: dict[int, list[DigestUnit]] = defaultdict(list)
    obligations: dict[int, Obligation] = {}
    latest: dict[int, str] = {}
    for deadline, cycle, obligation, unit in rows:
        due_on: date = present.last_day(deadline.due_at, tz)
        obligations[obligation.id] = obligation
        latest[obligation.id] = max(latest.get(obligation.id, ""), cycle.period)
        by_obligation[obligation.id].append(
            DigestUnit(
                unit_key=unit.key,
                unit_name=unit.name,
                period=cycle.period,
                period_label=_label(cycle),
                due_on=due_on.isoformat(),
                days_overdue=max(-present.days_left(due_on, today), 0),
                reminders_sent=reminded[deadline.workflow_id],
                extension=extensions.get(deadline.id),
                focal_points=contacts.get(unit.id, []),
                escalations_sent=escalated.get(deadline.workflow_id, 0),
            )
        )
    groups = []
    for obligation_id, units in by_obligation.items():
        lines = _rate_lines(session, obligation_id, where)
        current = next((line for line in lines if line.period == latest[obligation_id]), None)
        earlier = [line for line in lines if line.period < latest[obligation_id]]
        ob = obligations[obligation_id]
        units.sort(key=lambda u: (-u.days_overdue, u.unit_name))
        previous = earlier[-1] if earlier else None
        groups.append(DigestGroup(ob.key, ob.name, units, current, previous))
    return Digest(calendar.key, calendar.name, person.key, person.name, today.isoformat(), groups)
