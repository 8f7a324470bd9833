"""The calendar as the engine sees it: immutable values, already validated.

`config/` turns YAML into these; everything downstream (plans, workflows, store)
reads only these types, so a calendar can never be half-loaded or mutated in flight.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from functools import cached_property


class PeriodKind(enum.StrEnum):
    ANNUAL = "annual"
    SEMIANNUAL = "semiannual"
    QUARTERLY = "quarterly"
    MONTHLY = "monthly"
    ONE_OFF = "one_off"
    CAMPAIGN = "campaign"


class Reading(enum.StrEnum):
    """How "trước ngày X" (before X) is read.

    LITERAL: the last day is X-1 (the words' plain meaning, and the default).
    INCLUSIVE: the last day is X ("by X"), as many offices read it in practice.
    A rule written as "by X" / "chậm nhất ngày X" is always inclusive.
    """

    LITERAL = "literal"
    INCLUSIVE = "inclusive"


class Role(enum.StrEnum):
    FOCAL_POINT = "focal_point"
    HEAD = "head"


class EscalationTarget(enum.StrEnum):
    FOCAL_POINT = "focal_point"
    HEAD = "head"
    SUPERVISOR = "supervisor"

    def label_vi(self) -> str:
        return {
            "focal_point": "cán bộ đầu mối",
            "head": "thủ trưởng đơn vị",
            "supervisor": "lãnh đạo phụ trách (bản tổng hợp)",
        }[self.value]


@dataclass(frozen=True, slots=True)
class Organisation:
    id: str
    name: str
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    name: str
    email: str | None = None
    telegram: str | None = None
    language: str = "vi"
    phone: str | None = None
    """Shown to whoever must call this person (reminders carry the receiving unit's)."""
    channels: tuple[str, ...] = ()
    """The channels to reach this person on, preferred first (`zalo`, `email`, ...): a
    message goes on the first that reaches them and falls back to the next. Empty: every
    channel the person has, at once."""


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    name: str
    kind: str
    parent: str | None = None
    opened: date | None = None
    closed: date | None = None
    focal_points: tuple[str, ...] = ()
    head: str | None = None
    successor: str | None = None
    """The unit that takes over its reports from `closed` on (a merger, a reform)."""

    def exists_on(self, day: date) -> bool:
        return (self.opened is None or self.opened <= day) and (
            self.closed is None or day < self.closed
        )


@dataclass(frozen=True, slots=True)
class Supervisor:
    person: str
    units: tuple[str, ...]
    """Roots of the subtrees this person oversees."""


@dataclass(frozen=True, slots=True)
class DayMonth:
    day: int
    month: int
    year_offset: int = 0
    """1 when the rule says "năm sau" / "next year" (e.g. annual report by 15/01 next year)."""


@dataclass(frozen=True, slots=True)
class DueRule:
    """A due date as the document writes it, for one period slot.

    `slot` names the period within the year the rule belongs to ("" for annual and
    campaign, "H1"/"H2", "Q1".."Q4", "" for monthly rules that apply every month).
    """

    text: str
    inclusive: bool
    slot: str = ""
    """True when written as "by X"; False for "before X" (then `Obligation.reading` decides)."""
    on: DayMonth | None = None
    """Fixed day and month (annual, semiannual, quarterly)."""
    exact: date | None = None
    """Explicit date (one-off)."""
    day_of_month: int | None = None
    """Day of month relative to the period's last month (monthly, quarterly)."""
    month_offset: int = 0
    """With day_of_month: 0 = the period's last month, 1 = the month after it."""


@dataclass(frozen=True, slots=True)
class ReminderOffset:
    days: int
    """Days relative to the legal end (for a campaign with nothing to submit, the eve of its
    first day); <= 0."""
    at: time | None = None
    """Local time of day; None means the calendar's reminder time."""

    def label(self) -> str:
        base = f"{self.days:+d}d" if self.days else "0d"
        return base if self.at is None else f"{base}@{self.at.strftime('%H:%M')}"


@dataclass(frozen=True, slots=True)
class EscalationRule:
    after: timedelta
    """Time after the legal end."""
    to: EscalationTarget


@dataclass(frozen=True, slots=True)
class WorkingHours:
    start: time = time(7, 30)
    end: time = time(17, 0)


@dataclass(frozen=True, slots=True)
class DataWindow:
    """The period a report's figures cover (Nghị định 09/2019 Điều 12 and the like)."""

    start: DayMonth | None = None
    end: DayMonth | None = None
    """Inclusive; a start later in the year than the end lies in the previous year."""
    nd09: bool = False
    """Derive the window from the period kind per Nghị định 09/2019/NĐ-CP Điều 12."""


@dataclass(frozen=True, slots=True)
class Submitters:
    kinds: tuple[str, ...] = ()
    units: tuple[str, ...] = ()
    subtrees: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


PARENT = "parent"
"""A receiver written as `parent`: each unit reports to its parent in the unit tree."""


@dataclass(frozen=True, slots=True)
class ReceiverChange:
    """From `since` on, the obligation's reports go to `unit` (a unit id or PARENT)."""

    since: date
    unit: str


@dataclass(frozen=True, slots=True)
class Obligation:
    id: str
    name: str
    period: PeriodKind
    due: tuple[DueRule, ...]
    submitters: Submitters
    receiver: str
    """The first receiver (a unit id, or PARENT); `receivers` says when it changes."""
    reading: Reading = Reading.LITERAL
    window: tuple[DayMonth, DayMonth] | None = None
    """Campaign window (inclusive), e.g. 15/11 - 15/12 for Tháng hành động."""
    data_window: DataWindow | None = None
    feeds: str | None = None
    reminders: tuple[ReminderOffset, ...] = ()
    escalation: tuple[EscalationRule, ...] = ()
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    reminder_time: time = time(8, 0)
    open_before: int = 30
    """Days before the reminder anchor at which the cycle opens."""
    from_year: int | None = None
    until_year: int | None = None
    source: str | None = None
    """The sentence of the document the obligation comes from, kept verbatim."""
    receivers: tuple[ReceiverChange, ...] = ()
    """Later receivers, by date (the same obligation, one id, one series of cycles)."""

    def active_in(self, year: int) -> bool:
        return (self.from_year is None or self.from_year <= year) and (
            self.until_year is None or year <= self.until_year
        )

    def receiver_on(self, day: date) -> str:
        """The receiver in force on `day` (a unit id, or PARENT)."""
        current = self.receiver
        for change in self.receivers:
            if change.since <= day:
                current = change.unit
        return current

    def all_receivers(self) -> tuple[str, ...]:
        return (self.receiver, *(c.unit for c in self.receivers))


@dataclass(frozen=True, slots=True)
class DayOff:
    day: date
    name: str


@dataclass(frozen=True, slots=True)
class DayRules:
    """What planning a deadline needs of its calendar: the time zone its days are counted
    in and the days the calendar itself moves off or on (the rest is the `holidays`
    package). A cycle freezes these, so an extension or a snooze is planned from them
    alone, with no calendar around."""

    calendar_id: str
    timezone: str
    days_off: tuple[DayOff, ...] = ()
    working_saturdays: tuple[DayOff, ...] = ()
    working_days: tuple[DayOff, ...] = ()


@dataclass(frozen=True)
class Calendar:
    id: str
    name: str
    organisation: Organisation
    people: tuple[Person, ...]
    units: tuple[Unit, ...]
    supervisors: tuple[Supervisor, ...]
    obligations: tuple[Obligation, ...]
    days_off: tuple[DayOff, ...] = ()
    working_saturdays: tuple[DayOff, ...] = ()
    working_days: tuple[DayOff, ...] = ()
    """Holidays of the `holidays` package the Government did not give off this time."""
    source: str = ""
    """Where the calendar was loaded from (file name), for messages only."""

    @cached_property
    def day_rules(self) -> DayRules:
        return DayRules(
            self.id,
            self.organisation.timezone,
            self.days_off,
            self.working_saturdays,
            self.working_days,
        )

    @cached_property
    def units_by_id(self) -> dict[str, Unit]:
        return {u.id: u for u in self.units}

    @cached_property
    def people_by_id(self) -> dict[str, Person]:
        return {p.id: p for p in self.people}

    @cached_property
    def obligations_by_id(self) -> dict[str, Obligation]:
        return {o.id: o for o in self.obligations}

    @cached_property
    def children(self) -> dict[str, tuple[str, ...]]:
        """Unit id -> ids of its direct children, in file order."""
        out: dict[str, list[str]] = {}
        for u in self.units:
            if u.parent is not None:
                out.setdefault(u.parent, []).append(u.id)
        return {k: tuple(v) for k, v in out.items()}

    def unit(self, unit_id: str) -> Unit:
        return self.units_by_id[unit_id]

    def person(self, person_id: str) -> Person:
        return self.people_by_id[person_id]

    def obligation(self, obligation_id: str) -> Obligation:
        return self.obligations_by_id[obligation_id]

    def subtree(self, root: str) -> list[str]:
        """`root` and every unit below it, depth first (the tree is acyclic once loaded)."""
        out, stack = [], [root]
        while stack:
            uid = stack.pop()
            out.append(uid)
            stack.extend(reversed(self.children.get(uid, ())))
        return out
