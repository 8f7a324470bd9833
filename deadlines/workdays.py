"""Working days in Vietnam: weekends, public holidays, swaps, and a calendar's own days off.

Public holidays (Bộ luật Lao động 2019 Điều 112), lunar ones included, and the swaps the
Government announces come from the `holidays` package (country VN, names in Vietnamese).
A deployment adds the swaps announced after the package was released through the
calendar's `days_off` and `working_saturdays`, which always win.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import holidays

from deadlines.model import DayOff

_WEEKDAY_VI = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")


def weekday_vi(day: date) -> str:
    return _WEEKDAY_VI[day.weekday()]


@lru_cache(maxsize=64)
def _national(year: int) -> tuple[dict[date, str], frozenset[date]]:
    table = holidays.country_holidays("VN", years=year, language="vi")
    days = {d: str(name) for d, name in table.items() if d.year == year}
    swaps = frozenset(d for d in table.weekend_workdays if d.year == year)
    return days, swaps


class WorkCalendar:
    """Answers "is this a working day, and if not, why" for one calendar's rules."""

    def __init__(
        self,
        days_off: Iterable[DayOff] = (),
        working_saturdays: Iterable[DayOff] = (),
    ) -> None:
        self._days_off = {d.day: d.name for d in days_off}
        self._working = {d.day: d.name for d in working_saturdays}

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, in Vietnamese; None if it is one."""
        if day in self._working:
            return None
        if day in self._days_off:
            return self._days_off[day]
        national, swaps = _national(day.year)
        if day in national:
            return national[day]
        if day.weekday() >= 5 and day not in swaps:
            return weekday_vi(day)
        return None

    def is_working_day(self, day: date) -> bool:
        return self.day_off_reason(day) is None

    def roll_forward(self, day: date) -> tuple[date, list[tuple[date, str]]]:
        """The first working day on or after `day`, and each skipped day with its reason.

        Bộ luật Dân sự 2015 Điều 148.5: a period whose last day is a weekend day or a
        public holiday ends at the end of the next working day.
        """
        skipped: list[tuple[date, str]] = []
        while (reason := self.day_off_reason(day)) is not None:
            skipped.append((day, reason))
            day += timedelta(days=1)
            if len(skipped) > 60:  # no real calendar has two months off in a row
                raise ValueError(f"no working day within 60 days after {skipped[0][0]}")
        return day, skipped

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.roll_forward(day + timedelta(days=1))[0]
