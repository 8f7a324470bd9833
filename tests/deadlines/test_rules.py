"""Vietnamese deadline rules: legal ends, day-off roll-forward, data windows, timelines."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from config.loader import load_calendar_text
from deadlines.model import DayOff, PeriodKind, Reading
from deadlines.periods import periods_in_year
from deadlines.timeline import plan_cycle, plan_year
from deadlines.workdays import WorkCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def calendar(obligations: str, extra: str = "", defaults: str = "") -> object:
    text = f"""\
calendar: {{id: t, name: Thử}}
organisation: {{id: o, name: Tổ chức thử}}
{defaults}
people: [{{id: p, name: Người Thử, email: p@thu.example}}]
units:
  - {{id: so, name: Sở, kind: department}}
  - {{id: huyen-a, name: Huyện A, kind: district, parent: so, focal_point: p}}
  - {{id: huyen-b, name: Huyện B, kind: district, parent: so, focal_point: p, closed: 01/03/2025}}
  - {{id: huyen-c, name: Huyện C, kind: district, parent: so, focal_point: p, opened: 01/07/2025}}
obligations:
{obligations}
{extra}
"""
    return load_calendar_text(text, "t.yaml")


def one(due: str, period: str = "annual", reading: str = "", extra: str = "", more: str = ""):
    ob = f"""\
  - id: bc
    name: Báo cáo
    period: {period}
    due: {due}
    submitters: {{kinds: [district]}}
    receiver: so
{("    reading: " + reading) if reading else ""}
{more}"""
    return calendar(ob, extra)


def test_tet_2025_rolls_to_first_working_day_after_holiday() -> None:
    cal = one("before 31/01/2025", period="one_off")
    (cycle,) = plan_year(cal, 2025)
    assert cycle.last_day == date(2025, 1, 30)  # literal reading: end of 30/01
    assert cycle.legal_end == date(2025, 2, 3)  # Monday after Tết
    reasons = dict(cycle.shifted_over)
    assert reasons[date(2025, 1, 30)] == "Mùng hai Tết Nguyên Đán"
    assert reasons[date(2025, 2, 1)] == "Mùng bốn Tết Nguyên Đán"
    assert reasons[date(2025, 2, 2)] == "Chủ nhật"
    assert cycle.other_reading_legal_end == date(2025, 2, 3)


def test_sunday_due_rolls_to_monday_with_reason() -> None:
    cal = one("{H1: before 15/06}", period="semiannual")
    (cycle,) = plan_year(cal, 2025)
    assert cycle.nominal == date(2025, 6, 15)
    assert cycle.legal_end == date(2025, 6, 16)
    assert cycle.shifted_over == ((date(2025, 6, 14), "Thứ Bảy"), (date(2025, 6, 15), "Chủ nhật"))
    assert cycle.legal_end_at == datetime(2025, 6, 16, 17, 0, tzinfo=ZoneInfo("UTC"))


def test_inclusive_reading_and_by_rule() -> None:
    literal = one("before 25/11")
    inclusive = one("before 25/11", reading="inclusive")
    by = one("by 25/11")
    (a,) = plan_year(literal, 2025)
    (b,) = plan_year(inclusive, 2025)
    (c,) = plan_year(by, 2025)
    assert a.reading is Reading.LITERAL and a.legal_end == date(2025, 11, 24)
    assert b.reading is Reading.INCLUSIVE and b.legal_end == date(2025, 11, 25)
    assert c.legal_end == date(2025, 11, 25) and c.other_reading_legal_end is None
    assert a.other_reading_legal_end == date(2025, 11, 25)


def test_new_national_holiday_from_the_package() -> None:
    """From 2026, 24/11 (Ngày Văn hóa Việt Nam) is a day off: "before 25/11" rolls to 25/11."""
    (cycle,) = plan_year(one("before 25/11"), 2026)
    assert cycle.shifted_over == ((date(2026, 11, 24), "Ngày Văn hóa Việt Nam"),)
    assert cycle.legal_end == date(2026, 11, 25)


def test_swapped_working_saturday_and_calendar_days_off() -> None:
    # 2025: work Saturday 26/04, off Friday 02/05 (package); calendar adds its own day off.
    work = WorkCalendar(days_off=[DayOff(date(2025, 6, 16), "Nghỉ theo quyết định của tỉnh")])
    assert work.is_working_day(date(2025, 4, 26))
    assert work.day_off_reason(date(2025, 5, 2)) == "Ngày nghỉ (thay cho ngày 26/04/2025)"
    assert work.roll_forward(date(2025, 6, 15))[0] == date(2025, 6, 17)
    extra = WorkCalendar(working_saturdays=[DayOff(date(2025, 6, 14), "Làm bù")])
    assert extra.roll_forward(date(2025, 6, 14)) == (date(2025, 6, 14), [])


def test_hung_kings_day_is_lunar() -> None:
    work = WorkCalendar()
    assert work.day_off_reason(date(2025, 4, 7)) == "Ngày Giỗ Tổ Hùng Vương"
    assert work.day_off_reason(date(2026, 4, 26)) == "Ngày Giỗ Tổ Hùng Vương"


@pytest.mark.parametrize(
    ("due", "period", "expected"),
    [
        ("{H1: before 15/06}", "semiannual", {"2025-H1": (date(2024, 12, 15), date(2025, 6, 14))}),
        ("before 15/12", "annual", {"2025": (date(2024, 12, 15), date(2025, 12, 14))}),
        (
            "before day 20",
            "quarterly",
            {
                "2025-Q1": (date(2024, 12, 15), date(2025, 3, 14)),
                "2025-Q4": (date(2025, 9, 15), date(2025, 12, 14)),
            },
        ),
    ],
)
def test_nd09_data_windows(due: str, period: str, expected: dict) -> None:
    cal = one(due, period=period, more="    data_window: nd09")
    windows = {c.period.id: c.data_window for c in plan_year(cal, 2025)}
    for pid, window in expected.items():
        assert windows[pid] == window


def test_explicit_data_window_wraps_year() -> None:
    cal = one("before 10/11", more="    data_window: 01/10 - 30/09")
    (cycle,) = plan_year(cal, 2025)
    assert cycle.data_window == (date(2024, 10, 1), date(2025, 9, 30))


def test_monthly_relative_due_and_next_year() -> None:
    cal = one("before day 5 next month", period="monthly")
    cycles = {c.period.id: c for c in plan_year(cal, 2025)}
    assert len(cycles) == 12
    assert cycles["2025-12"].nominal == date(2026, 1, 5)
    annual = one("by 15/01 next year")
    (c,) = plan_year(annual, 2025)
    assert c.nominal == date(2026, 1, 15) and c.legal_end == date(2026, 1, 15)


def test_campaign_window_without_result_report() -> None:
    text = "    window: 15/11 - 15/12"
    cal = calendar(
        f"""\
  - id: thang-hanh-dong
    name: Tháng hành động vì bình đẳng giới
    period: campaign
{text}
    submitters: {{kinds: [district]}}
    receiver: so"""
    )
    (cycle,) = plan_year(cal, 2019)
    assert cycle.campaign_window == (date(2019, 11, 15), date(2019, 12, 15))
    assert cycle.nominal == date(2019, 12, 15) and cycle.reading is Reading.INCLUSIVE
    assert cycle.legal_end == date(2019, 12, 16)  # 15/12/2019 is a Sunday
    assert cycle.opens_at.astimezone(HCM).date() <= date(2019, 11, 15)
    # Nothing to submit: announced before it starts, never escalated.
    assert not cycle.expects_submission and cycle.escalations == ()
    assert max(r.at for r in cycle.reminders).astimezone(HCM).date() <= date(2019, 11, 15)


def test_reminders_count_down_to_the_legal_end_and_are_pulled_back_before_a_weekend() -> None:
    cal = one("before 15/12")  # 2025: last day Sunday 14/12, legal end Monday 15/12
    (cycle,) = plan_year(cal, 2025)
    by_key = {r.key: r for r in cycle.reminders}
    # Counted from Monday 15/12: -7d is Monday 08/12, -3d Friday 12/12; -1d (Sunday 14/12)
    # is pulled back to Friday 12/12 and merged into -3d, not dropped; 0d is the legal end.
    at = {k: r.at.astimezone(HCM) for k, r in by_key.items()}
    assert at == {
        "remind:-7d": datetime(2025, 12, 8, 8, 0, tzinfo=HCM),
        "remind:-3d": datetime(2025, 12, 12, 8, 0, tzinfo=HCM),
        "remind:0d": datetime(2025, 12, 15, 8, 0, tzinfo=HCM),
    }
    assert by_key["remind:-3d"].merged == ("remind:-1d",)
    assert by_key["remind:-3d"].deferred_because is None
    assert all(r.at < cycle.legal_end_at for r in cycle.reminders)


def test_a_reminder_on_a_weekend_says_why_it_came_early() -> None:
    cal = one("by 16/12")  # 2025: Tuesday; -3d is Saturday 13/12
    (cycle,) = plan_year(cal, 2025)
    minus3 = next(r for r in cycle.reminders if r.key == "remind:-3d")
    assert minus3.at.astimezone(HCM) == datetime(2025, 12, 12, 8, 0, tzinfo=HCM)
    assert minus3.deferred_because == "13/12/2025 là Thứ Bảy: nhắc sớm vào ngày làm việc trước đó"


def test_escalations_follow_legal_end_in_order() -> None:
    cal = one("before 15/12")
    (cycle,) = plan_year(cal, 2025)
    ats = [s.at for s in cycle.escalations]
    assert ats == sorted(ats) and ats[0] > cycle.legal_end_at
    assert [s.to.value for s in cycle.escalations] == ["focal_point", "head", "supervisor"]
    for step in cycle.escalations:
        local = step.at.astimezone(HCM)
        assert local.weekday() < 5 and time(7, 30) <= local.time() < time(17, 0)


def test_expected_units_follow_opening_and_closing() -> None:
    from deadlines.expected import expected_units

    cal = one("{H1: before 15/06, H2: before 15/12}", period="semiannual")
    ob = cal.obligation("bc")
    got = {
        c.period.id: [u.id for u in expected_units(cal, ob, c.period, c.last_day)]
        for c in plan_year(cal, 2025)
    }
    # huyen-b closed 01/03/2025: owes neither half. huyen-c opened 01/07/2025: only H2.
    assert got == {"2025-H1": ["huyen-a"], "2025-H2": ["huyen-a", "huyen-c"]}


def test_inactive_years_have_no_periods() -> None:
    cal = one("before 15/12", more="    from_year: 2026\n    until_year: 2027")
    ob = cal.obligation("bc")
    assert periods_in_year(ob, 2025) == []
    assert [p.id for p, _ in periods_in_year(ob, 2026)] == ["2026"]
    assert ob.period is PeriodKind.ANNUAL


def test_cycle_ids_are_stable_business_keys() -> None:
    cal = one("{H1: before 15/06}", period="semiannual")
    ob = cal.obligation("bc")
    ((period, rule),) = periods_in_year(ob, 2025)
    cycle = plan_cycle(cal, ob, period, rule)
    assert cycle.cycle_id == "cycle/t/bc/2025-H1"
    assert cycle.deadline_id("huyen-a") == "deadline/t/bc/2025-H1/huyen-a"
