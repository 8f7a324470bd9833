"""Properties that must hold for every calendar, not just the examples (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from deadlines.expected import is_expected
from deadlines.model import (
    Calendar,
    DayMonth,
    DayOff,
    DueRule,
    EscalationRule,
    EscalationTarget,
    Obligation,
    Organisation,
    PeriodKind,
    Reading,
    ReminderOffset,
    Submitters,
    Unit,
    WorkingHours,
)
from deadlines.periods import Period, periods_in_year
from deadlines.timeline import next_slot, plan_cycle
from deadlines.workdays import WorkCalendar

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
years = st.integers(min_value=2011, max_value=2035)
days = st.dates(min_value=date(2011, 1, 1), max_value=date(2035, 12, 31))


@st.composite
def work_calendars(draw: st.DrawFn) -> tuple[WorkCalendar, list[DayOff], list[DayOff]]:
    extra = draw(st.lists(days, max_size=8))
    saturdays = [d for d in draw(st.lists(days, max_size=4)) if d.weekday() == 5]
    off = [DayOff(d, "Nghỉ thêm") for d in extra]
    work = [DayOff(d, "Làm bù") for d in saturdays]
    return WorkCalendar(off, work), off, work


@st.composite
def working_hours(draw: st.DrawFn) -> WorkingHours:
    start = draw(st.integers(min_value=6 * 60, max_value=10 * 60))
    length = draw(st.integers(min_value=60, max_value=10 * 60))
    end = min(start + length, 23 * 60 + 59)
    return WorkingHours(time(start // 60, start % 60), time(end // 60, end % 60))


@st.composite
def obligations(draw: st.DrawFn, hours: WorkingHours) -> Obligation:
    kind = draw(st.sampled_from([PeriodKind.ANNUAL, PeriodKind.SEMIANNUAL, PeriodKind.MONTHLY]))
    inclusive = draw(st.booleans())
    if kind is PeriodKind.MONTHLY:
        due = (
            DueRule(
                "x",
                inclusive,
                "",
                day_of_month=draw(st.integers(1, 31)),
                month_offset=draw(st.integers(0, 1)),
            ),
        )
    else:
        month = draw(st.integers(1, 12))
        dm = DayMonth(draw(st.integers(1, 28)), month)
        slot = "H1" if kind is PeriodKind.SEMIANNUAL else ""
        due = (DueRule("x", inclusive, slot, on=dm),)
    minutes = st.integers(
        hours.start.hour * 60 + hours.start.minute, hours.end.hour * 60 + hours.end.minute - 1
    )
    offsets = draw(st.lists(st.tuples(st.integers(-40, 0), st.none() | minutes), max_size=6))
    reminders = tuple(
        ReminderOffset(d, None if m is None else time(m // 60, m % 60)) for d, m in offsets
    )
    default_minute = draw(minutes)
    afters = sorted(set(draw(st.lists(st.integers(1, 400), min_size=1, max_size=4))))
    return Obligation(
        id="ob",
        name="Báo cáo",
        period=kind,
        due=due,
        submitters=Submitters(kinds=("x",)),
        receiver="r",
        reading=draw(st.sampled_from(list(Reading))),
        reminders=reminders,
        escalation=tuple(EscalationRule(timedelta(hours=h), EscalationTarget.HEAD) for h in afters),
        working_hours=hours,
        reminder_time=time(default_minute // 60, default_minute % 60),
    )


def _calendar(ob: Obligation, off: list[DayOff], work: list[DayOff]) -> Calendar:
    return Calendar(
        "c", "Lịch", Organisation("o", "Tổ chức"), (), (), (), (ob,), tuple(off), tuple(work)
    )


@settings(max_examples=300, deadline=None)
@given(day=days, wc=work_calendars())
def test_legal_end_is_always_a_working_day(day: date, wc) -> None:
    work = wc[0]
    end, skipped = work.roll_forward(day)
    assert work.is_working_day(end)
    assert end >= day
    assert [d for d, _ in skipped] == [day + timedelta(days=i) for i in range(len(skipped))]
    assert all(not work.is_working_day(d) for d, _ in skipped)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), year=years, wc=work_calendars(), hours=working_hours())
def test_reminders_never_after_legal_end_and_always_in_working_hours(
    data: st.DataObject, year: int, wc, hours: WorkingHours
) -> None:
    work, off, sat = wc
    ob = data.draw(obligations(hours))
    cal = _calendar(ob, off, sat)
    for period, rule in periods_in_year(ob, year):
        cycle = plan_cycle(cal, ob, period, rule)
        assert work.is_working_day(cycle.legal_end)
        assert cycle.legal_end >= cycle.last_day
        delivered = [r.at for r in cycle.reminders]
        assert delivered == sorted(delivered)
        # Deferred, never dropped: every configured offset is delivered or merged.
        keys = {r.key for r in cycle.reminders} | {k for r in cycle.reminders for k in r.merged}
        assert keys == {f"remind:{o.label()}" for o in ob.reminders}
        for step in (*cycle.reminders, *cycle.escalations):
            _assert_in_working_hours(step.at, hours, work)
        for reminder in cycle.reminders:
            assert reminder.at < cycle.legal_end_at
            # Pulled back over days off, never pushed after them: every day between the
            # delivery and the intended day is a day off.
            sent = reminder.at.astimezone(HCM).date()
            meant = reminder.nominal_at.astimezone(HCM).date()
            assert sent <= meant or sent == cycle.legal_end
            between = [sent + timedelta(days=i) for i in range(1, (meant - sent).days + 1)]
            assert not any(work.is_working_day(d) for d in between), (sent, meant)
        previous: date | None = None
        for esc in cycle.escalations:
            assert esc.at > cycle.legal_end_at and esc.at >= esc.nominal_at
            day = esc.at.astimezone(HCM).date()
            # Never two steps on one day: each at least one working day after the last.
            assert previous is None or day >= work.next_working_day(previous)
            previous = day


def _assert_in_working_hours(at: datetime, hours: WorkingHours, work: WorkCalendar) -> None:
    local = at.astimezone(HCM)
    assert work.is_working_day(local.date()), local
    assert hours.start <= local.time() < hours.end, local


@settings(max_examples=300, deadline=None)
@given(
    at=st.datetimes(
        min_value=datetime(2011, 1, 1), max_value=datetime(2035, 12, 1), timezones=st.just(UTC)
    ),
    wc=work_calendars(),
    hours=working_hours(),
)
def test_deferred_delivery_lands_in_next_working_slot(
    at: datetime, wc, hours: WorkingHours
) -> None:
    work = wc[0]
    slot, why = next_slot(at, hours, work, HCM)
    assert slot >= at
    _assert_in_working_hours(slot, hours, work)
    assert (why is None) == (slot == at)
    if why is not None:  # nothing in between was a valid slot: no working day skipped
        d = at.astimezone(HCM).date() + timedelta(days=1)
        while d < slot.astimezone(HCM).date():
            assert not work.is_working_day(d)
            d += timedelta(days=1)


units = st.builds(
    lambda o, c: Unit(
        "u", "Đơn vị", "x", opened=o, closed=c if c is None or o is None or c > o else None
    ),
    st.none() | days,
    st.none() | days,
)


@settings(max_examples=500, deadline=None)
@given(unit=units, year=years, slot=st.sampled_from(["", "H1", "H2"]), lag=st.integers(-200, 60))
def test_expected_never_includes_closed_before_or_opened_after(
    unit: Unit, year: int, slot: str, lag: int
) -> None:
    start, end = {
        "": (date(year, 1, 1), date(year, 12, 31)),
        "H1": (date(year, 1, 1), date(year, 6, 30)),
        "H2": (date(year, 7, 1), date(year, 12, 31)),
    }[slot]
    period = Period(f"{year}{slot}", PeriodKind.ANNUAL, start, end, slot)
    last_day = end + timedelta(days=lag)
    expected = is_expected(unit, period, last_day)
    if unit.closed is not None and unit.closed <= period.start:
        assert not expected
    if unit.opened is not None and unit.opened > period.end:
        assert not expected
    if expected:
        assert unit.exists_on(min(last_day, period.end)) or unit.exists_on(last_day)


@st.composite
def merged_units(draw: st.DrawFn) -> list[Unit]:
    """Up to six communes opening, closing and handing over to one another at random
    (chains and loops of successors included: the loader only checks that ids exist)."""
    ids = [f"x{i}" for i in range(draw(st.integers(min_value=1, max_value=6)))]
    units = []
    for uid in ids:
        opened = draw(st.none() | days)
        closed = draw(st.none() | days)
        if opened is not None and closed is not None and closed <= opened:
            closed = None
        successor = draw(st.none() | st.sampled_from(ids)) if closed is not None else None
        units.append(Unit(uid, uid, "commune", opened=opened, closed=closed, successor=successor))
    return units


@settings(max_examples=400, deadline=None)
@given(units=merged_units(), year=years, lag=st.integers(-100, 60))
def test_each_report_of_a_period_is_owed_once_or_said_not_owed(
    units: list[Unit], year: int, lag: int
) -> None:
    from deadlines.expected import owed_reports, part_of

    ob = Obligation(
        "bc", "Báo cáo", PeriodKind.ANNUAL, (), Submitters(kinds=("commune",)), receiver="r"
    )
    cal = Calendar(
        "c", "c", Organisation("o", "o"), (), (Unit("r", "r", "province"), *units), (), (ob,)
    )
    period = Period(str(year), PeriodKind.ANNUAL, date(year, 1, 1), date(year, 12, 31))
    last_day = period.end + timedelta(days=lag)
    owed, not_owed = owed_reports(cal, ob, period, last_day)
    owners = [o.unit.id for o in owed]
    carried = [u.id for o in owed for u in o.instead_of]
    own = [o.unit.id for o in owed if o.own]
    # One report per owing unit; each unit of the period is counted exactly once: in its
    # own report, carried by one successor, or listed as not owed.
    assert len(owners) == len(set(owners))
    accounted = own + carried + [n.unit.id for n in not_owed]
    assert sorted(accounted) == sorted(u.id for u in units if part_of(u, period, last_day))
    for o in owed:
        assert o.own or o.instead_of
        assert o.unit.exists_on(last_day) or (o.own and is_expected(o.unit, period, last_day))
        assert all(u.closed is not None and u.closed <= last_day for u in o.instead_of)
