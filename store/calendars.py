"""Storing a loaded calendar: an idempotent upsert that reports what it changed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from deadlines import model as dm
from store.base import utcnow
from store.changes import Action, Change, ChangeSet, Entity, FieldChange, diff_states
from store.enums import DeadlineStatus
from store.models import (
    AuditEntry,
    Calendar,
    Obligation,
    Person,
    Supervisor,
    Unit,
    UnitContact,
    UnitDeadline,
)
from store.serialize import JSON, digest, to_json
from store.states import (
    State,
    calendar_state,
    obligation_state,
    person_state,
    stored_calendar,
    stored_person,
    stored_unit,
    unit_state,
    update_calendar,
    update_obligation,
    update_person,
    update_unit,
)

Row = TypeVar("Row", Person, Unit, Obligation)

_UNSETTLED = [s for s in DeadlineStatus if not s.is_settled]


def calendar_hash(calendar: dm.Calendar) -> str:
    """sha256 of everything the calendar says (not where it was read from)."""
    content = to_json(calendar)
    content.pop("source", None)
    return digest(content)


def save_calendar(
    session: Session,
    calendar: dm.Calendar,
    source_path: str | Path,
    *,
    actor: str = "system",
    now: datetime | None = None,
) -> ChangeSet:
    """Store `calendar`, changing only what differs from the stored one, and say what changed.

    Loading the same calendar from the same file again writes nothing: no row is touched,
    no audit entry is added, and the ChangeSet is empty (false). Otherwise every change is
    applied in `session` with one audit entry each plus one for the load; the caller owns
    the transaction, so committing applies all of it and rolling back none (which is also
    how a dry run works).

    Nothing with history is ever deleted. A unit, person or obligation that leaves the
    config is marked `removed_at`: its past and current deadlines, submissions and
    messages stay, so the dashboard and exports still count what it owed and did, and a
    coordinator who removed a unit by mistake gets it back, history included, by putting
    it back in the config. The store does not decide what happens to a removed unit's
    deadlines still in flight (the engine does); the change reports how many there are.
    Supervisors and unit contacts are plain configuration and are replaced.
    """
    now = now or utcnow()
    source = str(source_path)
    content_hash = calendar_hash(calendar)
    row = session.scalar(sa.select(Calendar).where(Calendar.key == calendar.id))
    if row is not None and row.content_hash == content_hash and row.source_path == source:
        return ChangeSet(calendar.id, created=False)

    created = row is None
    if row is None:
        row = Calendar(key=calendar.id, created_at=now)
        session.add(row)
    state = calendar_state(calendar, source)
    calendar_fields = () if created else diff_states(stored_calendar(row), state)
    update_calendar(row, state, content_hash)

    people = _rows(session, Person, row)
    units = _rows(session, Unit, row, selectinload(Unit.contacts).selectinload(UnitContact.person))
    obligations = _rows(session, Obligation, row)

    changes: list[Change] = []
    if calendar_fields:
        changes.append(
            Change(Entity.CALENDAR, calendar.id, Action.CHANGED, calendar.name, calendar_fields)
        )
    changes += _sync(
        session,
        Entity.PERSON,
        {p.id: (p.name, person_state(p)) for p in calendar.people},
        people,
        create=lambda key: Person(calendar=row, key=key, created_at=now, updated_at=now),
        stored=stored_person,
        update=update_person,
        now=now,
    )
    changes += _sync(
        session,
        Entity.UNIT,
        {u.id: (u.name, unit_state(u)) for u in calendar.units},
        units,
        create=lambda key: Unit(calendar=row, key=key, created_at=now, updated_at=now),
        stored=stored_unit,
        update=lambda unit, state: update_unit(unit, state, units, people),
        now=now,
    )
    changes += _sync(
        session,
        Entity.OBLIGATION,
        {o.id: (o.name, obligation_state(o)) for o in calendar.obligations},
        obligations,
        create=lambda key: Obligation(calendar=row, key=key, created_at=now, updated_at=now),
        stored=lambda o: dict(o.config),
        update=lambda obligation, state: update_obligation(obligation, state, units),
        now=now,
    )
    changes += _sync_supervisors(session, calendar, row, people, units)
    changes = [_with_open_deadlines(session, c, units) for c in changes]

    row.loaded_at = now
    session.flush()
    _audit(session, calendar, source, content_hash, changes, created, actor, now)
    return ChangeSet(calendar.id, created=created, changes=tuple(changes))


def _rows(session: Session, model: type[Row], calendar: Calendar, *options: Any) -> dict[str, Row]:
    if calendar.id is None:
        return {}
    query = sa.select(model).where(model.calendar_id == calendar.id).options(*options)
    return {r.key: r for r in session.scalars(query)}


def _sync(
    session: Session,
    entity: Entity,
    wanted: Mapping[str, tuple[str, State]],
    rows: dict[str, Row],
    *,
    create: Callable[[str], Row],
    stored: Callable[[Row], State],
    update: Callable[[Row, State], None],
    now: datetime,
) -> list[Change]:
    """Bring `rows` (by config key) in line with `wanted` (key -> label, state).

    New rows are all created before any is updated, so an update may refer to a row that
    comes later in the config (a unit listed before its parent).
    """
    added = {key: None for key in wanted if key not in rows}  # config order, O(1) lookups
    for key in added:
        rows[key] = create(key)
        session.add(rows[key])
    changes: list[Change] = []
    for key, (label, state) in wanted.items():
        row = rows[key]
        if key in added:
            update(row, state)
            changes.append(Change(entity, key, Action.ADDED, label))
            continue
        fields = diff_states(stored(row), state)
        restored = row.removed_at is not None
        if fields:
            update(row, state)
        if restored:
            row.removed_at = None
        if fields or restored:
            row.updated_at = now
            action = Action.RESTORED if restored else Action.CHANGED
            changes.append(Change(entity, key, action, label, fields))
    for key, row in rows.items():
        if key not in wanted and row.removed_at is None:
            row.removed_at = now
            row.updated_at = now
            changes.append(Change(entity, key, Action.REMOVED, row.name))
    return changes


def _sync_supervisors(
    session: Session,
    calendar: dm.Calendar,
    row: Calendar,
    people: dict[str, Person],
    units: dict[str, Unit],
) -> list[Change]:
    """Supervisors are keyed by person; a person listed twice oversees the union."""
    wanted: dict[str, list[str]] = {}
    for entry in calendar.supervisors:
        roots = wanted.setdefault(entry.person, [])
        roots += [u for u in entry.units if u not in roots]
    current: dict[str, list[Supervisor]] = {}
    if row.id is not None:
        query = (
            sa.select(Supervisor)
            .join(Supervisor.person)
            .where(Person.calendar_id == row.id)
            .options(selectinload(Supervisor.person), selectinload(Supervisor.unit))
        )
        for supervisor in session.scalars(query):
            current.setdefault(supervisor.person.key, []).append(supervisor)

    changes = []
    for person_key, roots in wanted.items():
        have = {s.unit.key: s for s in current.get(person_key, [])}
        label = people[person_key].name
        for root in roots:
            if root not in have:
                session.add(Supervisor(person=people[person_key], unit=units[root]))
        for root, supervisor in have.items():
            if root not in roots:
                session.delete(supervisor)
        if not have:
            changes.append(Change(Entity.SUPERVISOR, person_key, Action.ADDED, label))
        elif sorted(have) != sorted(roots):
            fields = (FieldChange("units", sorted(have), roots),)
            changes.append(Change(Entity.SUPERVISOR, person_key, Action.CHANGED, label, fields))
    for person_key, supervisors in current.items():
        if person_key not in wanted:
            for supervisor in supervisors:
                session.delete(supervisor)
            label = people[person_key].name
            changes.append(Change(Entity.SUPERVISOR, person_key, Action.REMOVED, label))
    return changes


def _with_open_deadlines(session: Session, change: Change, units: dict[str, Unit]) -> Change:
    if change.entity is not Entity.UNIT or change.action is not Action.REMOVED:
        return change
    count = session.scalar(
        sa.select(sa.func.count())
        .select_from(UnitDeadline)
        .where(UnitDeadline.unit_id == units[change.key].id, UnitDeadline.status.in_(_UNSETTLED))
    )
    return Change(change.entity, change.key, change.action, change.label, change.fields, count or 0)


def _audit(
    session: Session,
    calendar: dm.Calendar,
    source: str,
    content_hash: str,
    changes: list[Change],
    created: bool,
    actor: str,
    now: datetime,
) -> None:
    for change in changes:
        details: dict[str, JSON] = {"label": change.label}
        if change.fields:
            details["fields"] = {f.field: {"old": f.old, "new": f.new} for f in change.fields}
        if change.open_deadlines:
            details["open_deadlines"] = change.open_deadlines
        session.add(
            AuditEntry(
                at=now,
                actor=actor,
                action=f"{change.entity}.{change.action}",
                subject=f"{change.entity}:{calendar.id}/{change.key}",
                details=details,
            )
        )
    session.add(
        AuditEntry(
            at=now,
            actor=actor,
            action="calendar.created" if created else "calendar.loaded",
            subject=f"calendar:{calendar.id}",
            details={"source_path": source, "content_hash": content_hash, "changes": len(changes)},
        )
    )
