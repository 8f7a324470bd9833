"""Published calendar revisions: numbered, immutable, the one source the engine reads.

`publish` writes revision N+1 of a calendar when its content differs from revision N
(an unchanged calendar writes nothing), brings the calendar's rows (people, units,
obligations: what the dashboard and the notifier query) in line through
`store.calendars.save_calendar` in the same transaction, and refuses a publish based on a
revision that is no longer the latest (optimistic concurrency: the unique
(calendar, number) pair settles two publishers racing to the same number). The caller
validates the document into a calendar first (config.document); this module only stores.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deadlines import model as dm
from store.base import utcnow
from store.calendars import calendar_hash, save_calendar
from store.changes import Action, Change, ChangeSet, Entity, FieldChange, diff_states
from store.models import AuditEntry, Calendar, CalendarRevision
from store.serialize import JSON, to_json

SOURCES = ("yaml", "dashboard", "import")


class RevisionConflict(Exception):
    """The calendar moved on since the revision a publish was based on."""

    def __init__(self, calendar: str, base: int | None, latest: int) -> None:
        super().__init__(f"{calendar}: based on revision {base}, latest is {latest}")
        self.calendar, self.base, self.latest = calendar, base, latest


@dataclass(frozen=True, slots=True)
class Published:
    calendar: str
    number: int | None
    """The new revision's number; None when the calendar was unchanged."""
    latest: int
    changes: ChangeSet


def latest(session: Session, key: str) -> CalendarRevision | None:
    return session.scalar(
        sa.select(CalendarRevision)
        .join(Calendar, CalendarRevision.calendar_id == Calendar.id)
        .where(Calendar.key == key)
        .order_by(CalendarRevision.number.desc())
        .limit(1)
    )


def get(session: Session, key: str, number: int | None = None) -> CalendarRevision | None:
    if number is None:
        return latest(session, key)
    return session.scalar(
        sa.select(CalendarRevision)
        .join(Calendar, CalendarRevision.calendar_id == Calendar.id)
        .where(Calendar.key == key, CalendarRevision.number == number)
    )


def history(session: Session, key: str) -> list[CalendarRevision]:
    return list(
        session.scalars(
            sa.select(CalendarRevision)
            .join(Calendar, CalendarRevision.calendar_id == Calendar.id)
            .where(Calendar.key == key)
            .order_by(CalendarRevision.number)
        )
    )


def latest_all(session: Session, only: Sequence[str] = ()) -> list[tuple[str, CalendarRevision]]:
    """(calendar key, latest revision) of every calendar that has one, by key."""
    newest = (
        sa.select(CalendarRevision.calendar_id, sa.func.max(CalendarRevision.number).label("n"))
        .group_by(CalendarRevision.calendar_id)
        .subquery()
    )
    query = (
        sa.select(Calendar.key, CalendarRevision)
        .join(newest, newest.c.calendar_id == CalendarRevision.calendar_id)
        .join(Calendar, Calendar.id == CalendarRevision.calendar_id)
        .where(CalendarRevision.number == newest.c.n)
        .order_by(Calendar.key)
    )
    if only:
        query = query.where(Calendar.key.in_(list(only)))
    return [(key, rev) for key, rev in session.execute(query)]


def unapplied(session: Session) -> list[tuple[str, int]]:
    """(calendar key, number) of the latest revisions the engine has not applied yet."""
    return [(key, rev.number) for key, rev in latest_all(session) if rev.applied_at is None]


def mark_applied(session: Session, key: str, number: int, at: datetime) -> None:
    rev = get(session, key, number)
    if rev is not None and rev.applied_at is None:
        rev.applied_at = at


def publish(
    session: Session,
    calendar: dm.Calendar,
    document: dict[str, Any],
    *,
    source: str,
    author: str,
    source_ref: str | None = None,
    base: int | None = None,
    previous: dm.Calendar | None = None,
    now: datetime | None = None,
) -> Published:
    """Publish `calendar` (validated from `document`) as its next revision.

    `base` is the revision the author started from (None: whatever is latest). `previous`
    is the latest revision's calendar, for the summary of changes (None: compared with the
    rows). The caller owns the transaction; on RevisionConflict it must roll back.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown revision source {source!r}")
    now = now or utcnow()
    head = latest(session, calendar.id)
    number = head.number if head is not None else 0
    if base is not None and base != number:
        raise RevisionConflict(calendar.id, base, number)
    content_hash = calendar_hash(calendar)
    if head is not None and head.content_hash == content_hash:
        return Published(calendar.id, None, number, ChangeSet(calendar.id, created=False))
    changes = save_calendar(session, calendar, source_ref or source, actor=author, now=now)
    summary = changes.changes
    if previous is not None:
        # Every field of the model compared; removed units keep their count of open deadlines.
        still_open = {(c.entity, c.key): c.open_deadlines for c in changes.changes}
        summary = tuple(
            dataclasses.replace(c, open_deadlines=still_open.get((c.entity, c.key), 0))
            for c in diff_calendars(previous, calendar)
        )
    row = session.scalars(sa.select(Calendar).where(Calendar.key == calendar.id)).one()
    revision = CalendarRevision(
        calendar_id=row.id,
        number=number + 1,
        published_at=now,
        author=author,
        source=source,
        source_ref=source_ref,
        content_hash=content_hash,
        document=document,
        summary=[_change_json(c) for c in summary],
    )
    session.add(revision)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise RevisionConflict(calendar.id, base, number + 1) from None
    session.add(
        AuditEntry(
            at=now,
            actor=author,
            action="calendar.published",
            subject=f"calendar:{calendar.id}",
            details={"revision": number + 1, "source": source, "changes": len(summary)},
        )
    )
    result = ChangeSet(calendar.id, changes.created, summary)
    return Published(calendar.id, number + 1, number + 1, result)


def _change_json(change: Change) -> JSON:
    return {
        "entity": change.entity.value,
        "key": change.key,
        "action": change.action.value,
        "label": change.label,
        "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in change.fields],
    }


def change_of(data: JSON) -> Change:
    """The inverse of the summary's JSON form."""
    return Change(
        Entity(data["entity"]),
        data["key"],
        Action(data["action"]),
        data["label"],
        tuple(FieldChange(f["field"], f["old"], f["new"]) for f in data["fields"]),
    )


def diff_calendars(old: dm.Calendar, new: dm.Calendar) -> list[Change]:
    """What changed from `old` to `new`, entity by entity, every field of the model
    compared (so fields added to the model later are compared too)."""
    out: list[Change] = []
    head_old, head_new = _header(old), _header(new)
    if fields := diff_states(head_old, head_new):
        out.append(Change(Entity.CALENDAR, new.id, Action.CHANGED, new.name, fields))
    pairs: list[tuple[Entity, dict[str, Any], dict[str, Any]]] = [
        (Entity.PERSON, {p.id: p for p in old.people}, {p.id: p for p in new.people}),
        (Entity.UNIT, {u.id: u for u in old.units}, {u.id: u for u in new.units}),
        (
            Entity.OBLIGATION,
            {o.id: o for o in old.obligations},
            {o.id: o for o in new.obligations},
        ),
        (
            Entity.SUPERVISOR,
            {s.person: s for s in old.supervisors},
            {s.person: s for s in new.supervisors},
        ),
    ]
    for entity, before, after in pairs:
        for key, value in after.items():
            label = getattr(value, "name", key)
            if key not in before:
                out.append(Change(entity, key, Action.ADDED, label))
            elif fields := diff_states(to_json(before[key]), to_json(value)):
                out.append(Change(entity, key, Action.CHANGED, label, fields))
        for key, value in before.items():
            if key not in after:
                out.append(Change(entity, key, Action.REMOVED, getattr(value, "name", key)))
    return out


_ENTITIES = {"people", "units", "obligations", "supervisors", "source"}


def _header(calendar: dm.Calendar) -> dict[str, JSON]:
    """Every field of the calendar but its entities (compared one by one) and its source."""
    return {
        f.name: to_json(getattr(calendar, f.name))
        for f in dataclasses.fields(calendar)
        if f.name not in _ENTITIES
    }
