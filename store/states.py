"""Calendar entities as states: flat dicts of JSON values, read from the config or the rows.

`store.calendars` compares the two states of each entity to find what changed, and
writes a state into its row. Person and unit states name their fields, each of which
has a column to compare with; an obligation is stored whole as JSON, so its state is
all of it.
"""

from __future__ import annotations

from datetime import date

from deadlines import model as dm
from store.models import Calendar, Obligation, Person, Unit, UnitContact
from store.serialize import JSON, digest, to_json

State = dict[str, JSON]


def calendar_state(calendar: dm.Calendar, source: str) -> State:
    return {
        "name": calendar.name,
        "organisation": to_json(calendar.organisation),
        "days_off": to_json(calendar.days_off),
        "working_saturdays": to_json(calendar.working_saturdays),
        "source_path": source,
    }


def update_calendar(row: Calendar, state: State, content_hash: str) -> None:
    organisation = state["organisation"]
    row.name = state["name"]
    row.organisation_key = organisation["id"]
    row.organisation_name = organisation["name"]
    row.timezone = organisation["timezone"]
    row.language = organisation["language"]
    row.days_off = state["days_off"]
    row.working_saturdays = state["working_saturdays"]
    row.source_path = state["source_path"]
    row.content_hash = content_hash


def stored_calendar(row: Calendar) -> State:
    return {
        "name": row.name,
        "organisation": {
            "id": row.organisation_key,
            "name": row.organisation_name,
            "timezone": row.timezone,
            "language": row.language,
        },
        "days_off": row.days_off,
        "working_saturdays": row.working_saturdays,
        "source_path": row.source_path,
    }


def person_state(person: dm.Person) -> State:
    return {
        "name": person.name,
        "email": person.email,
        "telegram": person.telegram,
        "language": person.language,
        "phone": person.phone,
        "channels": list(person.channels),
    }


def stored_person(row: Person) -> State:
    return {
        "name": row.name,
        "email": row.email,
        "telegram": row.telegram,
        "language": row.language,
        "phone": row.phone,
        "channels": list(row.channels or []),
    }


def update_person(row: Person, state: State) -> None:
    row.name = state["name"]
    row.email = state["email"]
    row.telegram = state["telegram"]
    row.language = state["language"]
    row.phone = state.get("phone")
    row.channels = list(state.get("channels") or []) or None


def unit_state(unit: dm.Unit) -> State:
    return {
        "name": unit.name,
        "kind": unit.kind,
        "parent": unit.parent,
        "opened": to_json(unit.opened),
        "closed": to_json(unit.closed),
        "focal_points": list(unit.focal_points),
        "head": unit.head,
    }


def stored_unit(row: Unit) -> State:
    contacts = sorted(row.contacts, key=lambda c: (c.role, c.position))
    heads = [c.person.key for c in contacts if c.role is dm.Role.HEAD]
    return {
        "name": row.name,
        "kind": row.kind,
        "parent": row.parent.key if row.parent is not None else None,
        "opened": to_json(row.opened),
        "closed": to_json(row.closed),
        "focal_points": [c.person.key for c in contacts if c.role is dm.Role.FOCAL_POINT],
        "head": heads[0] if heads else None,
    }


def _date(value: JSON) -> date | None:
    return None if value is None else date.fromisoformat(value)


def update_unit(row: Unit, state: State, units: dict[str, Unit], people: dict[str, Person]) -> None:
    row.name = state["name"]
    row.kind = state["kind"]
    row.parent = units[state["parent"]] if state["parent"] is not None else None
    row.opened = _date(state["opened"])
    row.closed = _date(state["closed"])
    wanted = [(dm.Role.FOCAL_POINT, key, i) for i, key in enumerate(state["focal_points"])]
    if state["head"] is not None:
        wanted.append((dm.Role.HEAD, state["head"], 0))
    # Reuse a contact that stays, so the (unit, role, person) unique key is never hit by
    # an insert of the same contact before the delete of its old row.
    existing = {(c.role, c.person.key): c for c in row.contacts}
    contacts = []
    for role, person_key, position in wanted:
        contact = existing.get((role, person_key))
        if contact is None:
            contact = UnitContact(role=role, person=people[person_key], position=position)
        elif contact.position != position:
            contact.position = position
        contacts.append(contact)
    row.contacts = contacts


def obligation_state(obligation: dm.Obligation) -> State:
    state: State = to_json(obligation)
    del state["id"]
    return state


def update_obligation(row: Obligation, state: State, units: dict[str, Unit]) -> None:
    row.name = state["name"]
    row.period = dm.PeriodKind(state["period"])
    row.receiver = units[_stored_receiver(state, units)]
    row.config = state
    row.config_hash = digest(state)


def _stored_receiver(state: State, units: dict[str, Unit]) -> str:
    """The unit the obligation's row points at: its latest receiver by date, or, when it
    reports to each unit's `parent`, the root of the unit tree."""
    named = [state["receiver"], *(c["unit"] for c in state.get("receivers") or [])]
    concrete = [r for r in named if r != dm.PARENT and r in units]
    if concrete:
        return concrete[-1]
    return next(key for key, unit in units.items() if unit.parent_id is None)
