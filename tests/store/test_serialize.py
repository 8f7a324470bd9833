"""Canonical JSON: the same calendar always gives the same text and hash."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from deadlines.model import DayMonth, PeriodKind
from store.calendars import calendar_hash
from store.serialize import canonical, digest, iso_duration, to_json
from tests.store.store_factories import calendar


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "P0D"),
        (timedelta(days=1), "P1D"),
        (timedelta(hours=36), "P1DT12H"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(days=2, seconds=5), "P2DT5S"),
        (timedelta(days=-3), "-P3D"),
        (timedelta(seconds=1, microseconds=500_000), "PT1.500000S"),
    ],
)
def test_durations_are_iso_8601(delta: timedelta, text: str) -> None:
    assert iso_duration(delta) == text


def test_domain_values_become_plain_json() -> None:
    value = {
        "period": PeriodKind.SEMIANNUAL,
        "on": DayMonth(15, 6),
        "day": date(2025, 6, 14),
        "at": time(8, 0),
        "instant": datetime(2025, 6, 14, 1, 0, tzinfo=UTC),
        "kinds": ("commune", "ward"),
        "tags": frozenset({"b", "a"}),
    }
    assert to_json(value) == {
        "period": "semiannual",
        "on": {"day": 15, "month": 6, "year_offset": 0},
        "day": "2025-06-14",
        "at": "08:00:00",
        "instant": "2025-06-14T01:00:00+00:00",
        "kinds": ["commune", "ward"],
        "tags": ["a", "b"],
    }


def test_naive_datetimes_and_unknown_types_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        to_json(datetime(2025, 1, 1))
    with pytest.raises(TypeError, match="object"):
        to_json(object())


def test_canonical_text_is_stable_and_readable() -> None:
    a = canonical({"b": 1, "a": "Bỉm Sơn"})
    assert a == '{"a":"Bỉm Sơn","b":1}'
    assert json.loads(a) == {"a": "Bỉm Sơn", "b": 1}
    assert digest({"a": "Bỉm Sơn", "b": 1}) == digest({"b": 1, "a": "Bỉm Sơn"})


def test_the_calendar_hash_ignores_where_it_was_read_from() -> None:
    cal = calendar()
    assert calendar_hash(cal) == calendar_hash(dataclasses.replace(cal, source="elsewhere.yaml"))
    assert calendar_hash(cal) != calendar_hash(dataclasses.replace(cal, name="Tên khác"))
