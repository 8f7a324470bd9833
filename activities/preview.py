"""The preview of a publish: exactly what the running engine will do with a calendar.

`preview` is what `hanchot load --dry-run` prints and what the dashboard's editor will
show before its Publish button: cycles that will open, units that start or stop owing a
report in an open cycle, open deadlines whose dates or reminders move, and people whose
next message changes (they start or stop being reached, or their address changed). It
is computed by the same `plan_revision` the engine applies, so preview and effect agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from activities.publishing import current
from activities.revisions import RevisionPlan, plan_revision
from deadlines.model import Calendar
from store import revisions
from store.base import utcnow
from store.changes import Action, Entity
from store.revisions import diff_calendars

WHY = {
    "contact": "đổi {fields}",
    "starts": "bắt đầu nhận nhắc việc ({unit})",
    "focal_in": "thành đầu mối của {unit}",
    "focal_out": "thôi là đầu mối của {unit}",
    "head_in": "thành thủ trưởng của {unit}",
    "digest_in": "bắt đầu nhận bản tổng hợp",
    "digest_out": "thôi nhận bản tổng hợp",
    "digest_changed": "bản tổng hợp đổi phạm vi đơn vị",
}
"""Why a person's next message changes, as the preview says it (Vietnamese)."""


@dataclass(frozen=True, slots=True)
class Moved:
    deadline_id: str
    unit: str
    legal_end: tuple[str, str]
    """(before, after) legal end, ISO dates."""
    reminders: tuple[list[datetime], list[datetime]]
    """(before, after) instants of the steps (reminders and escalations)."""


@dataclass
class Preview:
    calendar: str
    revision: int
    opening: list[tuple[str, str, str]] = field(default_factory=list)
    """(cycle workflow id, obligation name, period label)."""
    starting: list[tuple[str, str, str]] = field(default_factory=list)
    """(cycle, unit id, unit name): units that start owing in a cycle already open."""
    stopping: list[tuple[str, str, str, str]] = field(default_factory=list)
    """(cycle, unit id, unit name, reason): their open deadline ends, excused."""
    moving: list[Moved] = field(default_factory=list)
    people: dict[str, str] = field(default_factory=dict)
    """person id -> why their next message changes."""

    def __bool__(self) -> bool:
        return bool(self.opening or self.starting or self.stopping or self.moving or self.people)


def preview(session: Session, calendar: Calendar, now: datetime | None = None) -> Preview:
    """What publishing `calendar` now would do (reads the store, writes nothing)."""
    head = revisions.latest(session, calendar.id)
    number = (head.number if head else 0) + 1
    plan = plan_revision(session, calendar, number, now or utcnow())
    out = summarise(plan, number)
    before = current(session, calendar.id)
    if before is not None:
        for change in diff_calendars(before, calendar):
            if change.entity is Entity.PERSON and change.action is Action.CHANGED:
                fields = {f.field for f in change.fields}
                if fields & {"email", "telegram", "language", "name"}:
                    shown = ", ".join(sorted(fields))
                    out.people.setdefault(change.key, WHY["contact"].format(fields=shown))
            elif change.entity is Entity.SUPERVISOR:
                key = {Action.ADDED: "digest_in", Action.REMOVED: "digest_out"}
                out.people.setdefault(change.key, WHY[key.get(change.action, "digest_changed")])
    return out


def summarise(plan: RevisionPlan, number: int) -> Preview:
    out = Preview(plan.calendar, number)
    out.opening = [(ref.workflow_id, name, label) for ref, name, label in plan.opening]
    for cycle in plan.cycles:
        for change in cycle.units:
            if change.start is not None:
                out.starting.append((cycle.workflow_id, change.unit_id, change.unit_name))
                for person in change.start.contacts.focal_points:
                    out.people.setdefault(person, WHY["starts"].format(unit=change.unit_name))
                continue
            if change.withdraw:
                out.stopping.append(
                    (cycle.workflow_id, change.unit_id, change.unit_name, change.withdraw)
                )
                continue
            if change.contacts:
                old, new = change.contacts
                unit = change.unit_name
                for person in new.focal_points:
                    if person not in old.focal_points:
                        out.people.setdefault(person, WHY["focal_in"].format(unit=unit))
                for person in old.focal_points:
                    if person not in new.focal_points:
                        out.people.setdefault(person, WHY["focal_out"].format(unit=unit))
                if new.head != old.head and new.head:
                    out.people.setdefault(new.head, WHY["head_in"].format(unit=unit))
            if change.moved:
                old_cycle, new_cycle = change.moved
                out.moving.append(
                    Moved(
                        change.deadline_id,
                        change.unit_name,
                        (old_cycle.timeline.legal_end, new_cycle.timeline.legal_end),
                        (
                            [s.at for s in old_cycle.timeline.steps],
                            [s.at for s in new_cycle.timeline.steps],
                        ),
                    )
                )
    return out
