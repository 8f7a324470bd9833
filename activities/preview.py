"""The preview of a publish: exactly what the running engine will do with a calendar.

`preview` is what `hanchot load --dry-run` prints and what the dashboard's editor will
show before its Publish button: cycles that will open, units that start or stop owing a
report in an open cycle, open deadlines whose dates or reminders move, and people whose
next message changes (they start or stop being reached, or their address changed). It
is computed by the same `plan_revision` the engine applies, so preview and effect agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from activities.cycles import find_plan
from activities.publishing import current
from activities.revisions import RevisionPlan, plan_revision
from activities.snapshot import DEFAULT_CLOSE_AFTER, caught_up, freeze
from boundary.types import Contacts, CycleSnapshot, Timeline
from deadlines.model import Calendar
from deadlines.opening import order_steps
from deadlines.present import step_text
from deadlines.vi import fmt_instant
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
    "catch_up": "{cycle}: đã qua thời điểm của {passed}; không gửi dồn các bước này",
    "catch_up_send": "chỉ gửi bù {step} lúc {at} cho {n} đơn vị",
    "catch_up_none": "không gửi bù bước nào ({n} đơn vị)",
}
"""Why a person's next message changes, and what a catch-up sends, as the preview says it
(Vietnamese)."""
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True, slots=True)
class Moved:
    deadline_id: str
    unit: str
    legal_end: tuple[str, str]
    """(before, after) legal end, ISO dates."""
    reminders: tuple[list[datetime], list[datetime]]
    """(before, after) instants of the steps (reminders and escalations)."""


@dataclass
class CatchUp:
    """What the deadlines of one cycle, opening or re-planned after some of their steps'
    times, will send instead of every passed step (deadlines.catchup)."""

    cycle: str
    label: str
    """ "obligation — period", as a person reads the cycle."""
    sends: dict[tuple[str, datetime], int] = field(default_factory=dict)
    """(step, when) -> how many deadlines send it."""
    passed: list[str] = field(default_factory=list)
    """Steps whose time has passed for at least one deadline, in the calendar's order."""
    units: int = 0

    def add(self, before: Timeline, after: Timeline) -> None:
        """One deadline's timeline before and after catching up."""
        self.units += 1
        for step in after.steps:
            if step.catch_up:
                key = (step.key, step.at)
                self.sends[key] = self.sends.get(key, 0) + 1
        passed = set(self.passed) | set(after.skipped) - set(before.skipped)
        passed |= {s.key for s in after.steps if s.catch_up}
        self.passed = [s.key for s in order_steps(list(before.steps)) if s.key in passed]

    def text(self, tz: ZoneInfo = TZ) -> str:
        """The preview's line, e.g. "Báo cáo năm — Năm 2026: đã qua thời điểm của nhắc trước
        hạn 7 ngày, …; không gửi dồn các bước này; chỉ gửi bù đôn đốc lần 2 (thủ trưởng đơn
        vị) lúc 07/12/2026 07:30 cho 49 đơn vị"."""
        passed = ", ".join(step_text(k) for k in self.passed)
        parts = [WHY["catch_up"].format(cycle=self.label, passed=passed)]
        for (step, at), count in sorted(self.sends.items(), key=lambda x: (x[0][1], x[0][0])):
            when = fmt_instant(at, tz)
            parts.append(WHY["catch_up_send"].format(step=step_text(step), at=when, n=count))
        if not self.sends:
            parts.append(WHY["catch_up_none"].format(n=self.units))
        return "; ".join(parts)


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
    catch_up: list[CatchUp] = field(default_factory=list)
    """Cycles some of whose deadlines start (or are re-planned) after steps' times."""

    def __bool__(self) -> bool:
        return bool(
            self.opening
            or self.starting
            or self.stopping
            or self.moving
            or self.people
            or self.catch_up
        )


def preview(session: Session, calendar: Calendar, now: datetime | None = None) -> Preview:
    """What publishing `calendar` now would do (reads the store, writes nothing)."""
    head = revisions.latest(session, calendar.id)
    number = (head.number if head else 0) + 1
    now = now or utcnow()
    plan = plan_revision(session, calendar, number, now)
    out = summarise(plan, number)
    out.catch_up = catch_ups(plan, calendar, now, DEFAULT_CLOSE_AFTER)
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


def catch_ups(
    plan: RevisionPlan, calendar: Calendar, now: datetime, close_after: timedelta
) -> list[CatchUp]:
    """What each cycle's catch-up sends if the revision is applied at `now`: the cycles
    that open, the units that start in an open cycle, the deadlines re-planned."""
    out: list[CatchUp] = []

    def add(line: CatchUp, units: list[tuple[CycleSnapshot, Contacts, frozenset[str]]]) -> None:
        for cycle, contacts, sent in units:
            after = caught_up(cycle, now, contacts, sent)
            if after is not cycle:
                line.add(cycle.timeline, after.timeline)
        if line.units:
            out.append(line)

    for ref, name, label in plan.opening:
        frozen = freeze(calendar, find_plan(calendar, ref), close_after)
        line = CatchUp(ref.workflow_id, f"{name} — {label}")
        add(line, [(u.cycle, u.contacts, frozenset()) for u in frozen.units])
    for changes in plan.cycles:
        line = CatchUp(changes.workflow_id, f"{changes.obligation_name} — {changes.period_label}")
        units = [(c.start.cycle, c.start.contacts, frozenset()) for c in changes.units if c.start]
        units += [(c.moved[1], c.reaches, c.sent) for c in changes.units if c.moved]
        add(line, units)
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
