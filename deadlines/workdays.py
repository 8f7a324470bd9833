"""Working days in Vietnam: weekends, public holidays, swaps, and a calendar's own days off.

Public holidays (Bộ luật Lao động 2019 Điều 112), lunar ones included, and the swaps the
Government announces come from the `holidays` package (country VN, names in Vietnamese).
A deployment adds the swaps announced after the package was released through the
calendar's `days_off` and `working_saturdays`, and cancels a package holiday the
Government did not give off through `working_days`; the calendar always wins. Every day
off says where it came from (`day_off_source`), so `plan` can show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from importlib import metadata

import holidays

from deadlines.model import Calendar, DayOff, DayRules

HOLIDAYS_VERSION = metadata.version("holidays")

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
        working_days: Iterable[DayOff] = (),
    ) -> None:
        self._days_off = {d.day: d.name for d in days_off}
        self._working = {d.day: d.name for d in (*working_saturdays, *working_days)}

    @classmethod
    def of(cls, rules: Calendar | DayRules) -> WorkCalendar:
        return cls(rules.days_off, rules.working_saturdays, rules.working_days)

    def day_off_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, in Vietnamese; None if it is one."""
        found = self._day_off(day)
        return found[0] if found else None

    def day_off_source(self, day: date) -> str | None:
        """Where the day off comes from, in Vietnamese: the calendar's `days_off`, the
        `holidays` package (with its version), or the weekend; None on a working day."""
        found = self._day_off(day)
        return found[1] if found else None

    def _day_off(self, day: date) -> tuple[str, str] | None:
        if day in self._working:
            return None
        if day in self._days_off:
            return self._days_off[day], "ngày nghỉ ghi trong lịch (days_off)"
        national, swaps = _national(day.year)
        if day in national:
            return national[day], f"gói holidays {HOLIDAYS_VERSION}"
        if day.weekday() >= 5 and day not in swaps:
            return weekday_vi(day), "cuối tuần"
        return None

    def package_holiday(self, day: date) -> str | None:
        """The `holidays` package's name for `day`, whatever the calendar says of it."""
        return _national(day.year)[0].get(day)

    def exceptions(self, year: int) -> list[tuple[date, str, str]]:
        """Every day of `year` that is not an ordinary weekday or weekend: (day, what, where
        from), days off and the weekend days or holidays worked instead, in date order."""
        out = []
        day = date(year, 1, 1)
        while day.year == year:
            found = self._day_off(day)
            if found is not None and found[1] != "cuối tuần":
                out.append((day, *found))
            elif found is None and day in self._working:
                cancelled = self.package_holiday(day)
                source = (
                    f"lịch (working_days), thay cho «{cancelled}» của gói holidays"
                    if cancelled
                    else "lịch (working_saturdays)"
                )
                out.append((day, self._working[day], source))
            elif found is None and day.weekday() >= 5:
                out.append((day, "Ngày làm việc bù", f"gói holidays {HOLIDAYS_VERSION}"))
            day += timedelta(days=1)
        return out

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

    def roll_back(self, day: date) -> tuple[date, list[tuple[date, str]]]:
        """The last working day on or before `day`, and each skipped day with its reason:
        a reminder due during a break is sent before the break, not after it."""
        skipped: list[tuple[date, str]] = []
        while (reason := self.day_off_reason(day)) is not None:
            skipped.append((day, reason))
            day -= timedelta(days=1)
            if len(skipped) > 60:
                raise ValueError(f"no working day within 60 days before {skipped[0][0]}")
        return day, skipped

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself when count is 0)."""
        for _ in range(count):
            day = self.next_working_day(day)
        return day
