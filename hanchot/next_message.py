"""What the running system will send next, by the calendars' plans: the line `hanchot dev`
prints once ready, so a first run shows that something is going to happen, and when.

Read from the plans (reminders and escalations of this year's and next year's cycles),
not from the workflows: units that submit meanwhile are not reminded, so the count is
"at most"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from deadlines.model import Calendar
from deadlines.plan import year_plan


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


def next_message(calendars: Iterable[Calendar], now: datetime) -> NextMessage | None:
    """The earliest reminder or escalation after `now` (UTC-aware) in any calendar."""
    found: NextMessage | None = None
    for calendar in calendars:
        for year in (now.year, now.year + 1):
            for entry in year_plan(calendar, year):
                if not entry.units:
                    continue
                cycle = entry.cycle
                steps = [("remind", r.key, r.at) for r in cycle.reminders]
                if cycle.expects_submission:
                    steps += [("escalate", e.key, e.at) for e in cycle.escalations]
                for kind, key, at in steps:
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
