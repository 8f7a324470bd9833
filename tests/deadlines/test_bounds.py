"""deadlines.bounds, the one place every typed date, duration, id and text is held to."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines import bounds


@pytest.mark.parametrize("good", ["xa-a", "0123", "a", "a" * 64, "p.ba_dinh-2"])
def test_ids_that_pass(good: str) -> None:
    assert bounds.check_id(good) == good


@pytest.mark.parametrize(
    "bad", ["xa-a\n", "\nxa-a", "xa-a ", "Xa-a", "a" * 65, "", "-a", "xã", 12.5, None, ["a"]]
)
def test_ids_that_do_not(bad: object) -> None:
    with pytest.raises(ValueError, match="không hợp lệ"):
        bounds.check_id(bad)


def test_a_value_quoted_in_a_message_shows_control_characters_and_stays_short() -> None:
    assert bounds.shown("xa-a\n") == "'xa-a\\n'"
    assert len(bounds.shown("x" * 10_000)) <= 42


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15/06/2025", date(2025, 6, 15)),
        (" 1/1/1900 ", date(1900, 1, 1)),
        ("31.12.2100", date(2100, 12, 31)),
    ],
)
def test_days_within_bounds(text: str, expected: date) -> None:
    assert bounds.parse_day(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("31/12/9999", "nằm ngoài khoảng"),
        ("31/12/1899", "nằm ngoài khoảng"),
        ("01/01/0001", "nằm ngoài khoảng"),
        ("30/02/2025", "không có ngày"),
        ("2025-06-15", "dd/mm/yyyy"),
        ("15/06/2025\nx", "dd/mm/yyyy"),
        ("", "dd/mm/yyyy"),
    ],
)
def test_days_refused(text: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        bounds.parse_day(text)


def test_spans_either_sign_up_to_the_bound() -> None:
    most = timedelta(days=bounds.MAX_SPAN_DAYS)
    assert bounds.check_span(-most, "mốc nhắc", "-366d") == -most
    for over in (most + timedelta(hours=1), -most - timedelta(days=1)):
        with pytest.raises(ValueError, match="dài quá 366 ngày"):
            bounds.check_span(over, "mốc nhắc", "x")


def test_years_and_counts() -> None:
    assert bounds.check_year(bounds.LAST_YEAR) == bounds.LAST_YEAR
    with pytest.raises(ValueError, match="năm 99999 nằm ngoài khoảng 2000-2100"):
        bounds.check_year(99999)
    with pytest.raises(ValueError, match="--days phải từ 1 đến 90"):
        bounds.check_count(91, 1, bounds.EXTENSION_MAX_DAYS, "--days")


def test_a_granted_last_day_is_after_the_current_one_and_not_far() -> None:
    last = date(2100, 6, 1)
    assert bounds.check_new_last_day(date(2100, 12, 31), last) == date(2100, 12, 31)
    with pytest.raises(ValueError, match="quá xa"):
        bounds.check_new_last_day(date(2101, 1, 1), last)
    with pytest.raises(ValueError, match="sau 01/06/2100"):
        bounds.check_new_last_day(last, last)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a/b/2025-H1/c", "deadline/a/b/2025-H1/c"),
        ("deadline/a/b/2025/c", "deadline/a/b/2025/c"),
        ("a/b/2025-06-15/c", "deadline/a/b/2025-06-15/c"),
        ("a/b/2025-03/c", "deadline/a/b/2025-03/c"),
    ],
)
def test_deadline_ids(text: str, expected: str) -> None:
    assert bounds.check_deadline_id(text) == expected


@pytest.mark.parametrize(
    "bad", ["a/b/c", "a/b/2025-H1/c\n", "a/b/H1/c", "a/b/2025-H1/c/d", "A/b/2025/c"]
)
def test_deadline_ids_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="mã hạn nộp"):
        bounds.check_deadline_id(bad)


def test_refs() -> None:
    assert bounds.check_ref("cal/unit") == "cal/unit" and bounds.check_ref("unit") == "unit"
    for bad in ("a/b/c", "unit\n", "", "cal/"):
        with pytest.raises(ValueError, match="lich/ma"):
            bounds.check_ref(bad)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30) | st.from_regex(r"\d{1,3}/\d{1,3}/\d{1,5}", fullmatch=True))
def test_any_typed_day_is_a_day_within_bounds_or_a_value_error(text: str) -> None:
    try:
        day = bounds.parse_day(text)
    except ValueError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        assert bounds.EARLIEST_DATE <= day <= bounds.LATEST_DATE


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_typed_id_or_deadline_is_itself_or_a_value_error(text: str) -> None:
    for check in (bounds.check_id, bounds.check_ref, bounds.check_deadline_id):
        try:
            out = check(text)
        except ValueError as exc:
            assert str(exc) and "\n" not in str(exc) and len(str(exc)) < 300
        else:
            assert out.removeprefix("deadline/") == text.removeprefix("deadline/")
            assert out.isascii() and out.isprintable() and " " not in out
