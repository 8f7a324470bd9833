"""The `holidays` package (pinned in pyproject.toml) against the Government's announced days
off for civil servants, for every year the example calendars cover, with each example's own
corrections (`days_off`, `working_saturdays`) applied where the package falls short.

Sources, per year: the Labour Code's holidays and its compensatory days (Điều 112, nghỉ bù
when a holiday falls on a weekend), and the swaps the Prime Minister approved:
2011 Công văn 9529/VPCP-KGVX (31/12/2010); 2012 approved 27/12/2011 (Tết off 21/01-29/01,
work Saturday 04/02); 2019 work 05/01 and 04/05; 2025 work 26/04; 2026 Tết off 14/02-22/02,
Tết Dương lịch 01/01-04/01 with Friday 02/01 swapped for Saturday 10/01 (Công văn
12729/VPCP-KGVX, 25/12/2025), Quốc khánh 29/08-02/09 with Monday 31/08 swapped for Saturday
22/08.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from pathlib import Path

import pytest

from config.loader import load_calendar
from deadlines.workdays import HOLIDAYS_VERSION, WorkCalendar

EXAMPLES = Path(__file__).resolve().parents[2] / "config" / "examples"


def days(first: str, last: str | None = None) -> set[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last or first)
    return {start + timedelta(n) for n in range((end - start).days + 1)}


# year -> (example calendar that covers it, every day off of the announced breaks,
#          weekend days worked instead)
OFFICIAL: dict[int, tuple[str, set[date], set[date]]] = {
    2011: (
        "langson-2011",
        days("2011-01-01", "2011-01-03")
        | days("2011-01-31", "2011-02-07")
        | days("2011-04-10", "2011-04-12")
        | days("2011-04-30", "2011-05-03")
        | days("2011-09-02", "2011-09-04"),
        days("2011-01-29", "2011-01-30") | days("2011-04-09"),
    ),
    2012: (
        "thanhhoa-2012",
        days("2011-12-31", "2012-01-02")
        | days("2012-01-21", "2012-01-29")
        | days("2012-03-31", "2012-04-02")
        | days("2012-04-28", "2012-05-01")
        | days("2012-09-01", "2012-09-03"),
        days("2012-02-04"),
    ),
    2017: (
        "bimson-2017",
        days("2016-12-31", "2017-01-02")
        | days("2017-01-26", "2017-02-01")
        | days("2017-04-06")
        | days("2017-04-29", "2017-05-02")
        | days("2017-09-02", "2017-09-04"),
        set(),
    ),
    2018: (
        "langson-2018",
        days("2017-12-30", "2018-01-01")
        | days("2018-02-14", "2018-02-20")
        | days("2018-04-25")
        | days("2018-04-28", "2018-05-01")
        | days("2018-09-01", "2018-09-03")
        | days("2018-12-29", "2019-01-01"),
        set(),
    ),
    2019: (
        "so-ldtbxh-2019",
        days("2019-02-02", "2019-02-10")
        | days("2019-04-13", "2019-04-15")
        | days("2019-04-27", "2019-05-01")
        | days("2019-08-31", "2019-09-02"),
        days("2019-01-05") | days("2019-05-04"),
    ),
    2025: (
        "langson-2025",
        days("2025-01-01")
        | days("2025-01-25", "2025-02-02")
        | days("2025-04-05", "2025-04-07")
        | days("2025-04-30", "2025-05-04")
        | days("2025-08-30", "2025-09-02"),
        days("2025-04-26"),
    ),
    2026: (
        "langson-2025",
        days("2026-01-01", "2026-01-04")
        | days("2026-02-14", "2026-02-22")
        | days("2026-04-25", "2026-04-27")
        | days("2026-04-30", "2026-05-03")
        | days("2026-08-29", "2026-09-02"),
        days("2026-01-10") | days("2026-08-22"),
    ),
}


@cache
def work(name: str) -> WorkCalendar:
    return WorkCalendar.of(load_calendar(EXAMPLES / f"{name}.yaml"))


def test_the_package_is_the_tested_version() -> None:
    # The dates below were checked against this version; a new one must be checked again.
    assert HOLIDAYS_VERSION == "0.109"


@pytest.mark.parametrize("year", sorted(OFFICIAL))
def test_announced_days_off_and_swaps(year: int) -> None:
    name, off, worked = OFFICIAL[year]
    calendar = work(name)
    for day in sorted(off):
        assert not calendar.is_working_day(day), f"{day} should be off ({name})"
    for day in sorted(worked):
        assert calendar.is_working_day(day), f"{day} should be worked ({name})"
    # Around each break, the days just outside it are working days: no break is too long.
    for day in sorted(off):
        for edge in (day - timedelta(1), day + timedelta(1)):
            if edge not in off and edge.weekday() < 5 and edge.year == year:
                assert calendar.is_working_day(edge), f"{edge} should be worked ({name})"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 2, 17), "Tết Nguyên Đán"),
        (date(2026, 2, 18), "Mùng hai Tết Nguyên Đán"),
        (date(2026, 4, 27), "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"),
        (date(2026, 8, 31), "Ngày nghỉ (thay cho ngày 22/08/2026)"),
        (date(2025, 5, 2), "Ngày nghỉ (thay cho ngày 26/04/2025)"),
    ],
)
def test_package_names_in_vietnamese(day: date, name: str) -> None:
    assert WorkCalendar().day_off_reason(day) == name


def test_what_the_package_misses_comes_from_the_calendar() -> None:
    bare, current = WorkCalendar(), work("langson-2025")
    # Tết Dương lịch 2026's swap was announced after the package was released.
    assert bare.is_working_day(date(2026, 1, 2)) and not current.is_working_day(date(2026, 1, 2))
    assert current.day_off_source(date(2026, 1, 2)) == "ngày nghỉ ghi trong lịch (days_off)"
    assert current.is_working_day(date(2026, 1, 10))
    assert current.day_off_source(date(2026, 2, 17)) == f"gói holidays {HOLIDAYS_VERSION}"
    # The 2011 swaps are only in langson-2011.
    assert bare.is_working_day(date(2011, 1, 31)) and not work("langson-2011").is_working_day(
        date(2011, 1, 31)
    )
