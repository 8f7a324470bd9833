"""Catch-up of a deadline that opens after some of its steps: properties over every
calendar (hypothesis), and the cases a coordinator would check by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from activities.snapshot import timeline_of
from boundary.types import Step, Timeline
from deadlines.catchup import CATCH_UP_MARGIN, MESSAGED, catch_up
from deadlines.opening import order_steps
from deadlines.periods import periods_in_year
from deadlines.timeline import next_slot, plan_cycle
from deadlines.workdays import WorkCalendar
from tests.deadlines.test_properties import (
    HCM,
    _assert_in_working_hours,
    _calendar,
    obligations,
    work_calendars,
    working_hours,
    years,
)
from tests.workflows.support import OBLIGATION, frozen_h1, make_calendar

ROLES = st.frozensets(st.sampled_from(["focal_point", "head"]))


@settings(max_examples=300, deadline=None)
@given(
    data=st.data(),
    year=years,
    wc=work_calendars(),
    hours=working_hours(),
    messaged=ROLES,
    hours_in=st.integers(-10 * 24, 80 * 24),
)
def test_no_step_before_opening_one_catch_up_per_ladder_order_kept(
    data: st.DataObject, year: int, wc, hours, messaged: frozenset[str], hours_in: int
) -> None:
    work, off, sat = wc
    ob = data.draw(obligations(hours))
    cal = _calendar(ob, off, sat)
    period, rule = periods_in_year(ob, year)[0]
    timeline = timeline_of(plan_cycle(cal, ob, period, rule), timedelta(days=30))
    first = min((s.at for s in timeline.steps), default=timeline.legal_end_at)
    at = first + timedelta(hours=hours_in, minutes=data.draw(st.integers(0, 59)))

    def slot(instant: datetime) -> datetime:
        return next_slot(instant, hours, work, HCM)[0]

    passed = {s.key for s in timeline.steps if s.at <= at}
    # a re-planned deadline may have sent some of them already
    sent = data.draw(st.frozensets(st.sampled_from(sorted(passed)))) if passed else frozenset()
    out = catch_up(timeline, at, slot, HCM, messaged, sent)
    if not passed:
        assert out is timeline
        return
    keys = [s.key for s in out.steps]
    # every step of the calendar is still to come, recorded as skipped, or sent already
    assert sorted(keys + out.skipped + sorted(sent)) == sorted(s.key for s in timeline.steps)
    assert set(out.skipped) <= passed - sent
    assert not {s.key for s in out.steps} & sent  # nothing sent twice
    # no step before the opening; nothing sent at once outside working hours
    assert all(s.at > at for s in out.steps)
    caught = [s for s in out.steps if s.catch_up]
    assert {s.key for s in caught} <= passed
    assert len({s.kind for s in caught}) == len(caught)  # at most one per ladder
    reminded = any(k.startswith("remind:") for k in sent)
    assert not (reminded and any(s.kind == "remind" for s in caught))
    soon = slot(at + CATCH_UP_MARGIN)
    morning = slot(datetime.combine(_day(soon), time(0, 0), HCM))
    for step in caught:
        # at once when that is a working moment, else the next working morning
        assert step.at == (soon if _day(soon) == _day(at + CATCH_UP_MARGIN) else morning)
        _assert_in_working_hours(step.at, hours, work)
        later = [s for s in out.steps if s.kind == step.kind and s is not step]
        assert all(_day(s.at) > _day(step.at) for s in later)  # never two on one day
        if step.kind == "remind":
            assert step.at < timeline.legal_end_at  # no reminder after the legal end
    # the order of what is sent is the calendar's order
    original = [s.key for s in order_steps(list(timeline.steps))]
    assert keys == [k for k in original if k in keys]
    assert out.steps == order_steps(list(out.steps))
    escalations = [s for s in caught if s.kind == "escalate"]
    if escalations and escalations[0].to == "supervisor":
        assert not any(
            s.kind == "escalate" and s.to in messaged and s.key in passed for s in timeline.steps
        )


def _day(instant: datetime) -> date:
    return instant.astimezone(HCM).date()


def _slot(instant: datetime) -> datetime:
    calendar = make_calendar(2027)
    hours = calendar.obligation(OBLIGATION).working_hours
    return next_slot(instant, hours, WorkCalendar.of(calendar), HCM)[0]


def h1() -> Timeline:
    return frozen_h1(make_calendar(2027), 2027).snapshot.timeline


def local(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), HCM).astimezone(UTC)


def by_key(timeline: Timeline) -> dict[str, Step]:
    return {s.key: s for s in timeline.steps}


def test_opened_between_reminders_sends_the_latest_passed_one_now_and_the_rest_as_planned() -> None:
    timeline = h1()  # legal end: Monday 14/06/2027; reminders -7d, -3d, -1d, 0d at 08:00
    at = local(date(2027, 6, 10), 10)  # Thursday, after -7d (07/06) and before -3d (11/06)
    out = catch_up(timeline, at, _slot, HCM, MESSAGED)
    steps = by_key(out)
    assert out.skipped == []  # nothing else passed
    assert steps["remind:-7d"].catch_up and steps["remind:-7d"].at == at + CATCH_UP_MARGIN
    assert steps["remind:-3d"] == by_key(timeline)["remind:-3d"]


def test_a_catch_up_on_the_day_of_the_next_reminder_is_left_to_it() -> None:
    timeline = h1()
    at = local(date(2027, 6, 11), 6)  # Friday before 08:00: -3d comes this morning
    out = catch_up(timeline, at, _slot, HCM, MESSAGED)
    assert out.skipped == ["remind:-7d"]
    assert not any(s.catch_up for s in out.steps)


def test_after_the_legal_end_no_reminder_goes_and_the_highest_messaging_rung_does() -> None:
    timeline = h1()
    at = local(date(2027, 6, 30), 20)  # every step passed, a Wednesday evening
    out = catch_up(timeline, at, _slot, HCM, MESSAGED)
    assert [(s.key, s.at) for s in out.steps] == [
        ("escalate:2:head", local(date(2027, 7, 1), 7, 30))
    ]
    assert "escalate:3:supervisor" in out.skipped and "remind:0d" in out.skipped
    no_head = catch_up(timeline, at, _slot, HCM, frozenset({"focal_point"}))
    assert [s.key for s in no_head.steps] == ["escalate:1:focal_point"]
    nobody = catch_up(timeline, at, _slot, HCM, frozenset())
    assert [s.key for s in nobody.steps] == ["escalate:3:supervisor"]


def test_asked_on_a_sunday_afternoon_it_goes_on_monday_morning_not_monday_afternoon() -> None:
    at = local(date(2027, 6, 27), 15, 51)  # Sunday, every step passed
    out = catch_up(h1(), at, _slot, HCM, MESSAGED)
    assert [(s.key, s.at) for s in out.steps] == [
        ("escalate:2:head", local(date(2027, 6, 28), 7, 30))
    ]
