"""Vietnamese date expressions, as administrative documents and their scans write them."""

from __future__ import annotations

import pytest

from deadlines.extract.normalise import fold, normalise
from deadlines.extract.vndates import DayMonthYear, find_time_exprs, ocr_candidates


def only(text: str):
    found = find_time_exprs(normalise(text).folded)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "day", "month", "year"),
    [
        ("trước ngày 15/6", 15, 6, None),
        ("trước ngày 25/02/2017", 25, 2, 2017),
        ("trước ngày 20 tháng 7 năm 2022", 20, 7, 2022),
        ("ngày 29\ntháng 5 năm 2018", 29, 5, 2018),
        ("chậm nhất ngày 05.12.2021", 5, 12, 2021),
        ("hạn 15 / 06", 15, 6, None),
    ],
)
def test_dates_as_written(text: str, day: int, month: int, year: int | None) -> None:
    expr = only(text)
    assert (expr.kind, expr.day, expr.month, expr.year, expr.problem) == (
        "date",
        day,
        month,
        year,
        None,
    )


def test_next_and_previous_year() -> None:
    assert only("trước ngày 15/01 năm sau").year_offset == 1
    assert only("từ ngày 15/12 năm trước").year_offset == -1


@pytest.mark.parametrize(
    ("text", "relative", "day"),
    [
        ("trước ngày 20 hằng tháng", "every_month", 20),
        ("trước ngày 20 hàng tháng", "every_month", 20),
        ("chậm nhất ngày 5 của tháng đầu quý sau", "quarter_next_month", 5),
        ("trước ngày 15 của tháng cuối quý", "quarter_last_month", 15),
        ("trước ngày 10 tháng sau", "month_next", 10),
    ],
)
def test_days_relative_to_the_period(text: str, relative: str, day: int) -> None:
    expr = only(text)
    assert (expr.kind, expr.relative, expr.day) == ("day_rel", relative, day)


def test_quarters_months_and_programme_periods() -> None:
    q = only("trong Quý II/2011")
    assert (q.kind, q.quarter, q.year) == ("quarter", 2, 2011)
    assert only("quý IV năm 2019").quarter == 4
    m = only("trong tháng 9/2019")
    assert (m.kind, m.month, m.year) == ("month", 9, 2019)
    r = only("giai đoạn 2011 - 2020")
    assert (r.kind, r.year, r.year_end) == ("year_range", 2011, 2020)
    assert only("nhiệm kỳ 2021–2025").kind == "year_range"


def test_ocr_slash_read_as_one() -> None:
    expr = only("trước ngày 516")
    assert (expr.problem, expr.candidates) == ("ocr", (DayMonthYear(5, 6),))
    assert ocr_candidates("1516") == (DayMonthYear(15, 6),)
    assert set(ocr_candidates("1112")) == {
        DayMonthYear(1, 12),
        DayMonthYear(11, 2),
        DayMonthYear(11, 12),
    }
    assert ocr_candidates("999") == ()


def test_ocr_letters_for_digits_are_flagged_not_silently_fixed() -> None:
    expr = only("trước ngày l5/O6")
    assert expr.problem == "ocr"
    assert expr.candidates == (DayMonthYear(15, 6),)
    assert expr.exact is None


def test_day_without_month_and_impossible_dates_are_problems() -> None:
    assert only("trước ngày 15.").problem == "no_month"
    assert only("trước ngày 31/6").problem == "invalid"
    assert only("trước ngày 29/2/2023").problem == "invalid"


@pytest.mark.parametrize(
    "text",
    [
        "Điện thoại: 0373.714.155",
        "chỉ tiêu 7.3, 7.4, 7.5",
        "Số: 810 /QĐ-UBND",
        "Nghị quyết số 11-NQ/TW",
        "Thông tư số 56/2012/TTLT-BTC",
        "của 15/18 đơn vị",
        "đạt 24,4%",
        "Văn bản số 405/LĐTBXH-BĐG",
    ],
)
def test_numbers_that_are_not_dates(text: str) -> None:
    assert [e for e in find_time_exprs(fold(text)) if e.kind == "date"] == []
