"""What the running system will send next, by the calendars' plans: the line `hanchot dev`
prints once ready, so a first run shows that something is going to happen, and when.

Read from the plans (reminders and escalations of last year's, this year's and next
year's cycles, caught up when a cycle opened late), not from the workflows: units that
submit meanwhile are not reminded, so the count is "at most"."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from activities.snapshot import DEFAULT_CLOSE_AFTER, timeline_of
from deadlines.catchup import catch_up
from deadlines.model import Calendar
from deadlines.plan import year_plan
from deadlines.timeline import CyclePlan, next_slot
from deadlines.workdays import WorkCalendar


@dataclass(frozen=True, slots=True)
class NextMessage:
    at: datetime
    kind: str
    """"remind" or "escalate"."""
    step: str
    obligation_name: str
    period_label: str
    units: int
    timezone: str


def next_message(
    calendars: Iterable[Calendar], now: datetime, opened: Mapping[str, datetime] | None = None
) -> NextMessage | None:
    """The earliest reminder or escalation after `now` (UTC-aware) in any calendar.

    `opened`: when each cycle in the store opened (cycle id -> instant); a cycle open by
    its dates and not there is about to open now. One that opened (or opens) after some of
    its steps sends its catch-up instead of them (deadlines.catchup). None: by the plans
    alone, as if every cycle opened on time."""
    found: NextMessage | None = None
    for calendar in calendars:
        for year in (now.year - 1, now.year, now.year + 1):
            for entry in year_plan(calendar, year):
                if not entry.units:
                    continue
                cycle = entry.cycle
                for kind, key, at in _steps(calendar, cycle, now, opened):
                    if at <= now or (found is not None and at >= found.at):
                        continue
                    found = NextMessage(
                        at,
                        kind,
                        key,
                        calendar.obligation(cycle.obligation_id).name,
                        cycle.period.label_vi(),
                        len(entry.units),
                        calendar.organisation.timezone,
                    )
    return found


def _steps(
    calendar: Calendar, cycle: CyclePlan, now: datetime, opened: Mapping[str, datetime] | None
) -> list[tuple[str, str, datetime]]:
    steps = [("remind", r.key, r.at) for r in cycle.reminders]
    if cycle.expects_submission:
        steps += [("escalate", e.key, e.at) for e in cycle.escalations]
    if opened is None:
        return steps
    timeline = timeline_of(cycle, DEFAULT_CLOSE_AFTER)
    at = opened.get(cycle.cycle_id, now)
    if not cycle.opens_at <= at < timeline.closes_at:
        return steps
    obligation = calendar.obligation(cycle.obligation_id)
    work, tz = WorkCalendar.of(calendar), ZoneInfo(calendar.organisation.timezone)

    def slot(instant: datetime) -> datetime:
        return next_slot(instant, obligation.working_hours, work, tz)[0]

    return [(s.kind, s.key, s.at) for s in catch_up(timeline, at, slot, tz).steps]
