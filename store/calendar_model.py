"""The pure core's `Calendar` rebuilt from the rows `save_calendar` wrote.

The dashboard shows a calendar's plan for any year (`deadlines.plan.year_plan`) without
reading its YAML file: the file may have moved, and the web process has no business with
the config loader. Every row keeps exactly what the config said (obligations as their
canonical JSON), so the rebuilt calendar plans the same dates as the loaded one.
Removed rows are left out: they are no longer part of the calendar.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
import typing
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from deadlines import model as dm
from store.models import Calendar, Obligation, Person, Supervisor, Unit, UnitContact

_DURATION = re.compile(
    r"^(?P<sign>-?)P(?:(?P<days>\d+)D)?(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


class CalendarNotStored(LookupError):
    pass


def parse_duration(text: str) -> timedelta:
    """The inverse of `store.serialize.iso_duration` (`P1DT12H`, `-P1D`, `PT30M`)."""
    found = _DURATION.match(text)
    if found is None:
        raise ValueError(f"not an ISO 8601 duration: {text!r}")
    delta = timedelta(
        days=int(found["days"] or 0),
        hours=int(found["hours"] or 0),
        minutes=int(found["minutes"] or 0),
        seconds=float(found["seconds"] or 0),
    )
    return -delta if found["sign"] else delta


def from_json(kind: Any, value: Any) -> Any:
    """`value` (plain JSON written by `store.serialize.to_json`) as an instance of `kind`."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return from_json(options[0], value)
    if origin is list:
        return [from_json(typing.get_args(kind)[0], v) for v in value]
    if origin is dict or kind is typing.Any:
        return value
    if origin is tuple:
        args = typing.get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], v) for v in value)
        return tuple(from_json(a, v) for a, v in zip(args, value, strict=True))
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        names = {f.name for f in dataclasses.fields(kind) if f.init}
        return kind(**{k: from_json(hints[k], v) for k, v in value.items() if k in names})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(value)
    if kind is timedelta:
        return parse_duration(value)
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    return value


def calendar_keys(session: Session) -> list[tuple[str, str]]:
    """(key, name) of every stored calendar, by key."""
    return list(session.execute(sa.select(Calendar.key, Calendar.name).order_by(Calendar.key)))


def calendar_model(session: Session, key: str) -> dm.Calendar:
    """The calendar `key` as the pure core's value, from the store."""
    row = session.scalar(sa.select(Calendar).where(Calendar.key == key))
    if row is None:
        raise CalendarNotStored(key)
    people = session.scalars(
        sa.select(Person)
        .where(Person.calendar_id == row.id, Person.removed_at.is_(None))
        .order_by(Person.id)
    ).all()
    units = session.scalars(
        sa.select(Unit)
        .where(Unit.calendar_id == row.id, Unit.removed_at.is_(None))
        .options(selectinload(Unit.contacts).selectinload(UnitContact.person))
        .order_by(Unit.id)
    ).all()
    keys = {u.id: u.key for u in units}
    obligations = session.scalars(
        sa.select(Obligation)
        .where(Obligation.calendar_id == row.id, Obligation.removed_at.is_(None))
        .order_by(Obligation.id)
    ).all()
    supervisors: dict[str, list[str]] = {}
    for person_key, unit_id in session.execute(
        sa.select(Person.key, Supervisor.unit_id)
        .join(Person, Supervisor.person_id == Person.id)
        .where(Person.calendar_id == row.id)
        .order_by(Supervisor.id)
    ):
        if unit_id in keys:
            supervisors.setdefault(person_key, []).append(keys[unit_id])
    return dm.Calendar(
        id=row.key,
        name=row.name,
        organisation=dm.Organisation(
            row.organisation_key, row.organisation_name, row.timezone, row.language
        ),
        people=tuple(
            dm.Person(
                p.key, p.name, p.email, p.telegram, p.language, p.phone, tuple(p.channels or ())
            )
            for p in people
        ),
        units=tuple(_unit(u, keys) for u in units),
        supervisors=tuple(dm.Supervisor(p, tuple(u)) for p, u in supervisors.items()),
        obligations=tuple(from_json(dm.Obligation, {**o.config, "id": o.key}) for o in obligations),
        days_off=from_json(tuple[dm.DayOff, ...], row.days_off),
        working_saturdays=from_json(tuple[dm.DayOff, ...], row.working_saturdays),
        source=row.source_path,
    )


def _unit(row: Unit, keys: dict[int, str]) -> dm.Unit:
    contacts = sorted(row.contacts, key=lambda c: (c.role, c.position))
    heads = [c.person.key for c in contacts if c.role is dm.Role.HEAD]
    return dm.Unit(
        id=row.key,
        name=row.name,
        kind=row.kind,
        parent=keys.get(row.parent_id) if row.parent_id is not None else None,
        opened=row.opened,
        closed=row.closed,
        focal_points=tuple(c.person.key for c in contacts if c.role is dm.Role.FOCAL_POINT),
        head=heads[0] if heads else None,
    )
