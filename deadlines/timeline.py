"""From an obligation and a period to instants: legal end, reminders, escalations.

Everything a workflow needs is computed here, outside Temporal, and handed over as UTC
instants; the workflow never sees a time zone or a holiday table.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deadlines.model import (
    Calendar,
    DayRules,
    DueRule,
    EscalationTarget,
    Obligation,
    Reading,
    WorkingHours,
)
from deadlines.periods import Period, data_window, nominal_date, periods_in_year
from deadlines.workdays import WorkCalendar


@dataclass(frozen=True, slots=True)
class ReminderStep:
    key: str
    """Stable within a cycle ("remind:-7d"); part of the outbox key, so never renumbered."""
    offset_days: int
    nominal_at: datetime
    at: datetime
    """When it is delivered: nominal_at moved into working hours if needed (UTC)."""
    deferred_because: str | None = None
    merged: tuple[str, ...] = ()
    """Keys of later-listed reminders that deferral moved onto this same instant."""


@dataclass(frozen=True, slots=True)
class EscalationStep:
    key: str
    to: EscalationTarget
    after: timedelta
    nominal_at: datetime
    at: datetime
    deferred_because: str | None = None


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """One obligation in one period: the same timeline for every expected unit."""

    calendar_id: str
    obligation_id: str
    period: Period
    due_text: str
    nominal: date
    """The date as written ("X" in "trước ngày X")."""
    reading: Reading
    last_day: date
    """The last day by the reading, before any shift for days off."""
    legal_end: date
    """The last day a submission counts as on time (Bộ luật Dân sự 2015 Điều 148.5)."""
    legal_end_at: datetime
    """UTC instant at which the legal end passes (24:00 local on `legal_end`)."""
    shifted_over: tuple[tuple[date, str], ...]
    """Days skipped to reach the legal end, each with why it is not a working day."""
    other_reading_legal_end: date | None
    """Legal end under the other reading of "trước ngày", when the rule is "before"."""
    data_window: tuple[date, date] | None
    campaign_window: tuple[date, date] | None
    opens_at: datetime
    reminders: tuple[ReminderStep, ...]
    escalations: tuple[EscalationStep, ...]
    expects_submission: bool = True
    """False for a campaign window with no result report: units are reminded that the
    campaign starts, nothing is owed, nobody is escalated or counted missing."""
    shifted_sources: tuple[str, ...] = ()
    """Where each day of `shifted_over` comes from (the package, the calendar, a weekend)."""

    @property
    def cycle_id(self) -> str:
        return f"cycle/{self.calendar_id}/{self.obligation_id}/{self.period.id}"

    def deadline_id(self, unit_id: str) -> str:
        return f"deadline/{self.calendar_id}/{self.obligation_id}/{self.period.id}/{unit_id}"


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def end_of_day(day: date, tz: ZoneInfo) -> datetime:
    return local_instant(day + timedelta(days=1), time(0, 0), tz)


def next_slot(
    instant: datetime, hours: WorkingHours, work: WorkCalendar, tz: ZoneInfo
) -> tuple[datetime, str | None]:
    """The first moment at or after `instant` inside working hours on a working day.

    Returns the moment and, when it moved, why (in Vietnamese). Deferred, never dropped.
    """
    local = instant.astimezone(tz)
    day, clock = local.date(), local.time()
    in_hours = hours.start <= clock < hours.end
    reason = work.day_off_reason(day)
    if reason is None:
        if in_hours:
            return instant, None
        if clock < hours.start:
            return local_instant(day, hours.start, tz), "ngoài giờ làm việc"
        reason = "ngoài giờ làm việc"
    # Moved to another day: keep the intended time of day when it is a working hour.
    clock = clock if in_hours else hours.start
    return local_instant(work.next_working_day(day), clock, tz), reason


def _last_day(rule: DueRule | None, nominal: date, reading: Reading) -> date:
    if rule is None or rule.inclusive or reading is Reading.INCLUSIVE:
        return nominal
    return nominal - timedelta(days=1)


def plan_cycle(
    calendar: Calendar | DayRules, obligation: Obligation, period: Period, rule: DueRule | None
) -> CyclePlan:
    """The cycle's timeline. Of the calendar only its day rules count (`DayRules`): a frozen
    cycle re-plans an extension from those, with no calendar at hand."""
    days = calendar.day_rules if isinstance(calendar, Calendar) else calendar
    tz = ZoneInfo(days.timezone)
    work = WorkCalendar.of(days)
    nominal = nominal_date(rule, period)
    last_day = _last_day(rule, nominal, obligation.reading)
    legal_end, skipped = work.roll_forward(last_day)
    legal_end_at = end_of_day(legal_end, tz)

    other: date | None = None
    if rule is not None and not rule.inclusive:
        other_reading = (
            Reading.INCLUSIVE if obligation.reading is Reading.LITERAL else Reading.LITERAL
        )
        other = work.roll_forward(_last_day(rule, nominal, other_reading))[0]

    expects_submission = rule is not None or obligation.window is None
    # Reminders count down to the legal end, the day the report is really due: "0d" is
    # sent on it even when the written date fell on a weekend, and an offset landing on a
    # day off is pulled back before the break. A campaign with nothing to submit is
    # announced before it begins: its reminders count down to the eve of its first day.
    anchor = legal_end if expects_submission else period.start - timedelta(days=1)
    reminders = _reminders(obligation, anchor, legal_end, legal_end_at, work, tz)
    if obligation.window is not None and expects_submission:
        notice = _start_notice(obligation, period, last_day, work, tz)
        if notice.at < legal_end_at:
            reminders = _merge([*reminders, notice], tz)
    escalations = (
        _escalations(obligation, legal_end, legal_end_at, work, tz) if expects_submission else ()
    )
    opens_day = last_day - timedelta(days=obligation.open_before)
    if obligation.period.value == "campaign":
        opens_day = min(opens_day, period.start)
    opens_at = local_instant(opens_day, time(0, 0), tz)
    if reminders:
        opens_at = min(opens_at, reminders[0].at - timedelta(days=1))
    return CyclePlan(
        calendar_id=days.calendar_id,
        obligation_id=obligation.id,
        period=period,
        due_text=rule.text if rule is not None else "",
        nominal=nominal,
        reading=Reading.INCLUSIVE if rule is None or rule.inclusive else obligation.reading,
        last_day=last_day,
        legal_end=legal_end,
        legal_end_at=legal_end_at,
        shifted_over=tuple(skipped),
        shifted_sources=tuple(work.day_off_source(d) or "" for d, _ in skipped),
        other_reading_legal_end=other,
        data_window=(
            data_window(obligation.data_window, period) if obligation.data_window else None
        ),
        campaign_window=(period.start, period.end) if obligation.window else None,
        opens_at=opens_at,
        reminders=reminders,
        escalations=escalations,
        expects_submission=expects_submission,
    )


def _reminders(
    obligation: Obligation,
    anchor: date,
    legal_end: date,
    legal_end_at: datetime,
    work: WorkCalendar,
    tz: ZoneInfo,
) -> tuple[ReminderStep, ...]:
    """Reminders in delivery order.

    Each offset counts from `anchor`. A reminder whose day is a day off is pulled back to
    the last working day before the break ("7 days before" stays before Tết, it does not
    arrive after Tết, the day before the deadline); one that a move puts on a day that
    already has a reminder is merged into it (recorded in `merged`): nobody gets two on
    one day because of a break, and nothing configured is lost. None is after the legal end.
    """
    hours = obligation.working_hours
    candidates: list[ReminderStep] = []
    for offset in obligation.reminders:
        day = anchor + timedelta(days=offset.days)
        clock = offset.at or obligation.reminder_time
        nominal_at = local_instant(day, clock, tz)
        why: str | None = None
        earlier, skipped = work.roll_back(day)
        if skipped:
            why = f"{fmt_day_off(skipped)}: nhắc sớm vào ngày làm việc trước đó"
            at, _ = next_slot(local_instant(earlier, clock, tz), hours, work, tz)
        else:
            at, why = next_slot(nominal_at, hours, work, tz)
        if at >= legal_end_at:
            # Only a reminder set after working hours on the last day can get here; the
            # loader refuses those, but the invariant must hold whatever the input.
            at = local_instant(legal_end, hours.start, tz)
        candidates.append(
            ReminderStep(f"remind:{offset.label()}", offset.days, nominal_at, at, why)
        )
    return _merge(candidates, tz)


def _start_notice(
    obligation: Obligation, period: Period, last_day: date, work: WorkCalendar, tz: ZoneInfo
) -> ReminderStep:
    """A campaign with a result report is announced before its first day too: on the last
    working day before it starts, at the reminder time."""
    eve = period.start - timedelta(days=1)
    day, _ = work.roll_back(eve)
    nominal_at = local_instant(eve, obligation.reminder_time, tz)
    at, _ = next_slot(
        local_instant(day, obligation.reminder_time, tz), obligation.working_hours, work, tz
    )
    why = f"báo trước ngày bắt đầu đợt {period.start:%d/%m/%Y}"
    return ReminderStep("remind:start", (eve - last_day).days, nominal_at, at, why)


def _merge(candidates: list[ReminderStep], tz: ZoneInfo) -> tuple[ReminderStep, ...]:
    """In delivery order; one that a move (or the same instant) puts on a local day that
    already has a reminder is merged into it. Two reminders written for the same day at
    different times ("0d@08:00, 0d@15:00") are both kept: someone asked for both."""
    steps: list[ReminderStep] = []
    for step in sorted(candidates, key=lambda r: (r.at, r.offset_days, r.key)):
        prev = steps[-1] if steps else None
        if prev is not None and (
            prev.at == step.at
            or (
                (step.deferred_because or prev.deferred_because)
                and prev.at.astimezone(tz).date() == step.at.astimezone(tz).date()
            )
        ):
            steps[-1] = replace(prev, merged=(*prev.merged, step.key, *step.merged))
            continue
        steps.append(step)
    return tuple(steps)


def fmt_day_off(skipped: list[tuple[date, str]]) -> str:
    """ "17/02/2026 là Tết Nguyên Đán" for the day a reminder was meant for."""
    day, reason = skipped[0]
    return f"{day:%d/%m/%Y} là {reason}"


def _escalations(
    obligation: Obligation,
    legal_end: date,
    legal_end_at: datetime,
    work: WorkCalendar,
    tz: ZoneInfo,
) -> tuple[EscalationStep, ...]:
    """Escalation steps counted in working days after the legal end, each at least one
    working day after the one before: "after 1d" waits for one whole working day past the
    legal end, so a long weekend does not make two steps fire on the same morning."""
    hours = obligation.working_hours
    out: list[EscalationStep] = []
    for index, rule in enumerate(obligation.escalation, start=1):
        whole_days = rule.after.days
        rest = rule.after - timedelta(days=whole_days)
        nominal_at = legal_end_at + rule.after
        base = end_of_day(work.add_working_days(legal_end, whole_days), tz)
        at, why = next_slot(base + rest, hours, work, tz)
        if base != end_of_day(legal_end + timedelta(days=whole_days), tz):
            why = f"{whole_days} ngày làm việc sau hạn cuối, không tính ngày nghỉ"
        if out and at.astimezone(tz).date() <= out[-1].at.astimezone(tz).date():
            prev_day = out[-1].at.astimezone(tz).date()
            at = local_instant(work.next_working_day(prev_day), hours.start, tz)
            why = "cách bước trước ít nhất một ngày làm việc"
        key = f"escalate:{index}:{rule.to.value}"
        out.append(EscalationStep(key, rule.to, rule.after, nominal_at, at, why))
    return tuple(out)


def plan_year(calendar: Calendar, year: int) -> list[CyclePlan]:
    """Every cycle of every obligation whose period falls in `year`, in calendar order."""
    plans = [
        plan_cycle(calendar, obligation, period, rule)
        for obligation in calendar.obligations
        for period, rule in periods_in_year(obligation, year)
    ]
    return sorted(plans, key=lambda p: (p.legal_end, p.obligation_id, p.period.id))
