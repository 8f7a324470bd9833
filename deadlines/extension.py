"""Re-planning a deadline in flight: an approved extension, a snoozed reminder.

An extension gives a unit a new last day; every later timer (reminders, escalations, the
legal end itself) moves with it, computed by the same rules as the calendar's own
timeline (`plan_cycle`), so days off and quiet hours are honoured the same way.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from deadlines.model import Calendar, DayRules, DueRule, Obligation
from deadlines.periods import Period
from deadlines.timeline import CyclePlan, next_slot, plan_cycle
from deadlines.workdays import WorkCalendar


def extension_plan(
    calendar: Calendar | DayRules, obligation: Obligation, period: Period, new_last_day: date
) -> CyclePlan:
    """The timeline as if the rule had said "by `new_last_day`" from the start.

    The extension is read inclusively (the coordinator grants "đến hết ngày X") and still
    rolls forward over days off (Bộ luật Dân sự 2015 Điều 148.5), like any deadline.
    """
    rule = DueRule(text=f"by {new_last_day:%d/%m/%Y}", inclusive=True, exact=new_last_day)
    return plan_cycle(calendar, obligation, period, rule)


def snooze_slot(
    calendar: Calendar | DayRules, obligation: Obligation, instant: datetime
) -> datetime:
    """The first moment at or after `instant` when the obligation's people may be messaged."""
    days = calendar.day_rules if isinstance(calendar, Calendar) else calendar
    work = WorkCalendar.of(days)
    tz = ZoneInfo(days.timezone)
    return next_slot(instant, obligation.working_hours, work, tz)[0]
