"""The "next message at …" line of `hanchot dev`: the earliest reminder or escalation to
come, from the calendars' plans."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from config.loader import load_calendar
from hanchot.next_message import next_message
from tests.integration.test_dev_server import big_calendar
from tests.workflows.support import frozen_h1, make_calendar
from tests.workflows.test_catch_up import sunday_night_after

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_the_next_message_is_the_first_reminder_to_come(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    due = now.astimezone(VN).date() + timedelta(days=21)
    calendar = load_calendar(big_calendar(tmp_path / "lon.yaml", 3, due))
    found = next_message([calendar], now)
    assert found is not None
    assert (found.kind, found.step, found.units) == ("remind", "remind:-7d", 3)
    assert found.obligation_name == "Báo cáo năm"
    # -7d from the last day, moved at most a few days for a weekend or holiday.
    assert timedelta(days=3) <= due - found.at.astimezone(VN).date() <= timedelta(days=10)

    after_first = next_message([calendar], found.at)
    assert after_first is not None and after_first.step == "remind:-1d"
    assert after_first.at > found.at


def test_a_cycle_opening_late_announces_its_catch_up_and_one_opened_on_time_does_not() -> None:
    year = 2027
    calendar = make_calendar(year)
    snapshot = frozen_h1(calendar, year).snapshot
    now = sunday_night_after(max(s.at for s in snapshot.timeline.steps))
    monday = datetime.combine(now.astimezone(VN).date() + timedelta(days=1), time(7, 30), VN)

    late = next_message([calendar], now, {})  # not in the store yet: it opens now
    assert late is not None
    assert (late.kind, late.step, late.at) == ("escalate", "escalate:2:head", monday)

    on_time = next_message([calendar], now, {snapshot.cycle_id: snapshot.opens_at})
    assert on_time is not None and on_time.at > monday  # its steps went out when due
    assert on_time.period_label != late.period_label
