"""When a digest goes out: daily on working days, weekly on the first working day from its
weekday on (so a Monday holiday moves it to Tuesday, never to the next week)."""

from __future__ import annotations

from datetime import date, datetime

from activities.digests import period_key, sending_day
from deadlines.model import DayOff
from deadlines.workdays import WorkCalendar

WORK = WorkCalendar(days_off=[DayOff(date(2031, 3, 3), "Nghỉ theo quyết định của tỉnh")])
MON, TUE, SAT = date(2031, 3, 10), date(2031, 3, 11), date(2031, 3, 15)


def test_daily_only_on_working_days() -> None:
    assert sending_day(WORK, MON, "daily") == MON
    assert sending_day(WORK, SAT, "daily") is None
    assert sending_day(WORK, date(2031, 3, 3), "daily") is None


def test_weekly_on_its_weekday_or_the_next_working_day_that_week() -> None:
    assert sending_day(WORK, MON, "weekly") == MON
    assert sending_day(WORK, TUE, "weekly") == MON  # already sent on Monday
    # Monday 03/03/2031 is a day off: Tuesday 04/03 instead.
    assert sending_day(WORK, date(2031, 3, 4), "weekly") == date(2031, 3, 4)
    assert sending_day(WORK, date(2031, 3, 3), "weekly") == date(2031, 3, 4)
    # Due on Friday: Monday is not its day.
    assert sending_day(WORK, MON, "weekly", weekday=4) == date(2031, 3, 14)
    # Due on Saturday: no working day left that week.
    assert sending_day(WORK, SAT, "weekly", weekday=5) is None


def test_period_keys() -> None:
    assert period_key("daily", datetime(2031, 3, 10, 8)) == "2031-03-10"
    assert period_key("weekly", datetime(2031, 3, 10, 8)) == "2031-W11"
    assert period_key("weekly", datetime(2030, 12, 30, 8)) == "2031-W01"
