"""From the pure core's plans to the frozen data a workflow holds, and back for re-planning.

`freeze` turns a calendar's CyclePlan into a CycleSnapshot (UTC instants, ISO dates) plus
each expected unit's contacts; `rules_model` rebuilds the day rules and an Obligation
from the frozen Rules to re-plan an extension with the same code (no calendar needed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from boundary.types import (
    Contacts,
    CycleSnapshot,
    DayOffRule,
    EscalationRuleData,
    OffsetRule,
    Rules,
    Step,
    Timeline,
    UnitDeadlineInput,
)
from deadlines.catchup import catch_up
from deadlines.expected import owed_reports, receiver_for
from deadlines.extension import extension_plan, snooze_slot
from deadlines.model import (
    Calendar,
    DayOff,
    DayRules,
    EscalationRule,
    EscalationTarget,
    Obligation,
    PeriodKind,
    ReminderOffset,
    Submitters,
    WorkingHours,
)
from deadlines.periods import Period
from deadlines.timeline import CyclePlan

DEFAULT_CLOSE_AFTER = timedelta(days=30)
"""How long after the legal end a cycle stays open for late submissions."""
DUE_SOON_WITHOUT_REMINDERS = timedelta(days=3)


@dataclass(frozen=True, slots=True)
class FrozenCycle:
    snapshot: CycleSnapshot
    units: list[UnitDeadlineInput]


def _hm(value: time) -> str:
    return value.strftime("%H:%M")


def rules_of(calendar: Calendar, obligation: Obligation, close_after: timedelta) -> Rules:
    return Rules(
        timezone=calendar.organisation.timezone,
        working_start=_hm(obligation.working_hours.start),
        working_end=_hm(obligation.working_hours.end),
        reminder_time=_hm(obligation.reminder_time),
        reminders=[OffsetRule(o.days, _hm(o.at) if o.at else None) for o in obligation.reminders],
        escalation=[
            EscalationRuleData(int(e.after.total_seconds()), e.to.value)
            for e in obligation.escalation
        ],
        days_off=[DayOffRule(d.day.isoformat(), d.name) for d in calendar.days_off],
        working_saturdays=[
            DayOffRule(d.day.isoformat(), d.name) for d in calendar.working_saturdays
        ],
        working_days=[DayOffRule(d.day.isoformat(), d.name) for d in calendar.working_days],
        close_after_seconds=int(close_after.total_seconds()),
    )


def timeline_of(plan: CyclePlan, close_after: timedelta, generation: int = 0) -> Timeline:
    prefix = f"ext{generation}:" if generation else ""
    steps = [
        Step(
            key=prefix + r.key,
            kind="remind",
            at=r.at,
            offset_days=r.offset_days,
            nominal_at=r.nominal_at,
            deferred_because=r.deferred_because,
            merged=[prefix + k for k in r.merged],
        )
        for r in plan.reminders
    ] + [
        Step(
            key=prefix + e.key,
            kind="escalate",
            at=e.at,
            to=e.to.value,
            nominal_at=e.nominal_at,
            deferred_because=e.deferred_because,
        )
        for e in plan.escalations
    ]
    due_soon = (
        plan.reminders[0].at if plan.reminders else plan.legal_end_at - DUE_SOON_WITHOUT_REMINDERS
    )
    last_step = max([s.at for s in steps], default=plan.legal_end_at)
    closes_at = max(plan.legal_end_at + close_after, last_step + timedelta(days=1))
    return Timeline(
        legal_end=plan.legal_end.isoformat(),
        legal_end_at=plan.legal_end_at,
        last_day=plan.last_day.isoformat(),
        due_soon_at=due_soon,
        closes_at=closes_at,
        steps=steps,
        generation=generation,
        expects_submission=plan.expects_submission,
    )


def supervisors_of(calendar: Calendar, unit_id: str) -> list[str]:
    out = []
    for sup in calendar.supervisors:
        if any(unit_id in calendar.subtree(root) for root in sup.units):
            out.append(sup.person)
    return out


def freeze(
    calendar: Calendar, plan: CyclePlan, close_after: timedelta = DEFAULT_CLOSE_AFTER
) -> FrozenCycle:
    obligation = calendar.obligation(plan.obligation_id)
    snapshot = CycleSnapshot(
        calendar_id=calendar.id,
        obligation_id=obligation.id,
        period_id=plan.period.id,
        obligation_name=obligation.name,
        period_label=plan.period.label_vi(),
        due_text=plan.due_text,
        receiver=obligation.receiver_on(plan.last_day),
        opens_at=plan.opens_at,
        timeline=timeline_of(plan, close_after),
        rules=rules_of(calendar, obligation, close_after),
        data_window=[d.isoformat() for d in plan.data_window] if plan.data_window else None,
    )
    owed, _ = owed_reports(calendar, obligation, plan.period, plan.last_day)
    units = []
    for report in owed:
        by = report.unit
        receiver = calendar.units_by_id.get(receiver_for(obligation, by, plan.last_day) or "")
        units.append(
            UnitDeadlineInput(
                cycle=snapshot,
                unit_id=by.id,
                unit_name=report.name_vi(),
                contacts=Contacts(
                    focal_points=list(by.focal_points),
                    head=by.head,
                    supervisors=supervisors_of(calendar, by.id),
                    coordinators=list(receiver.focal_points) if receiver else [],
                ),
            )
        )
    return FrozenCycle(snapshot, units)


def rules_model(rules: Rules, obligation_id: str) -> tuple[DayRules, Obligation]:
    """The day rules and the obligation's timing rules a cycle froze: all that re-planning
    an extension or placing a snooze needs (no calendar, no units, no people)."""
    days = DayRules(
        calendar_id="",
        timezone=rules.timezone,
        days_off=tuple(DayOff(date.fromisoformat(d.day), d.name) for d in rules.days_off),
        working_saturdays=tuple(
            DayOff(date.fromisoformat(d.day), d.name) for d in rules.working_saturdays
        ),
        working_days=tuple(DayOff(date.fromisoformat(d.day), d.name) for d in rules.working_days),
    )
    obligation = Obligation(
        id=obligation_id,
        name=obligation_id,
        period=PeriodKind.ONE_OFF,
        due=(),
        submitters=Submitters(),
        receiver="",
        reminders=tuple(
            ReminderOffset(o.days, time.fromisoformat(o.at) if o.at else None)
            for o in rules.reminders
        ),
        escalation=tuple(
            EscalationRule(timedelta(seconds=e.after_seconds), EscalationTarget(e.to))
            for e in rules.escalation
        ),
        working_hours=WorkingHours(
            time.fromisoformat(rules.working_start), time.fromisoformat(rules.working_end)
        ),
        reminder_time=time.fromisoformat(rules.reminder_time),
    )
    return days, obligation


def replan(
    rules: Rules, obligation_id: str, period_id: str, new_last_day: date, generation: int
) -> Timeline:
    days, obligation = rules_model(rules, obligation_id)
    period = Period(period_id, PeriodKind.ONE_OFF, new_last_day, new_last_day)
    plan = extension_plan(days, obligation, period, new_last_day)
    return timeline_of(plan, timedelta(seconds=rules.close_after_seconds), generation)


def working_slot(rules: Rules, instant: datetime) -> datetime:
    days, obligation = rules_model(rules, "")
    return snooze_slot(days, obligation, instant)


def messaged(contacts: Contacts) -> frozenset[str]:
    """The escalation rungs that message somebody of a unit with these contacts."""
    return frozenset(
        role
        for role, people in (("focal_point", contacts.focal_points), ("head", contacts.head))
        if people
    )


def caught_up(
    cycle: CycleSnapshot, at: datetime, contacts: Contacts, sent: frozenset[str] = frozenset()
) -> CycleSnapshot:
    """The snapshot as a unit's deadline that starts (or is re-planned) at `at` holds it:
    of the steps already passed, one catch-up per ladder at the next working slot, the
    rest skipped (deadlines.catchup); `sent`: steps a re-planned deadline already sent.
    The stored snapshot keeps the calendar's own timeline."""
    days, obligation = rules_model(cycle.rules, cycle.obligation_id)

    def slot(instant: datetime) -> datetime:
        return snooze_slot(days, obligation, instant)

    tz = ZoneInfo(cycle.rules.timezone)
    timeline = catch_up(cycle.timeline, at, slot, tz, messaged(contacts), sent)
    return cycle if timeline is cycle.timeline else replace(cycle, timeline=timeline)
