"""Who owes a report in a period, and how well they reported (DHIS2's counting).

expected = units selected by the obligation that were part of the period and still owe
its report when it is due: the unit itself, or, when it closed before the report was
due, its successor in its place ("thay cho"); a closed unit without a successor is
listed as not owed, with the reason. actual = those that submitted; on time = those that
submitted by the legal end or the extension granted to them. Excused units are taken out
of `expected`, as a coordinator who excuses a unit says it owed nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from deadlines.model import PARENT, Calendar, Obligation, Unit
from deadlines.periods import Period


class DeadlineStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    SUBMITTED_ON_TIME = "submitted_on_time"
    SUBMITTED_LATE = "submitted_late"
    EXTENDED = "extended"
    EXCUSED = "excused"
    MISSING = "missing"

    @property
    def is_settled(self) -> bool:
        """True once nothing more is expected from the unit."""
        return self in (
            DeadlineStatus.SUBMITTED_ON_TIME,
            DeadlineStatus.SUBMITTED_LATE,
            DeadlineStatus.EXCUSED,
            DeadlineStatus.MISSING,
        )

    @property
    def submitted(self) -> bool:
        return self in (DeadlineStatus.SUBMITTED_ON_TIME, DeadlineStatus.SUBMITTED_LATE)

    def label_vi(self) -> str:
        return _STATUS_VI[self]


_STATUS_VI = {
    DeadlineStatus.SCHEDULED: "Chưa mở",
    DeadlineStatus.OPEN: "Đang mở",
    DeadlineStatus.DUE_SOON: "Sắp đến hạn",
    DeadlineStatus.OVERDUE: "Quá hạn",
    DeadlineStatus.SUBMITTED_ON_TIME: "Đã nộp đúng hạn",
    DeadlineStatus.SUBMITTED_LATE: "Đã nộp muộn",
    DeadlineStatus.EXTENDED: "Được gia hạn",
    DeadlineStatus.EXCUSED: "Được miễn",
    DeadlineStatus.MISSING: "Không nộp",
}


def selected_units(
    calendar: Calendar, obligation: Obligation, day: date | None = None
) -> list[Unit]:
    """Units the obligation names as submitters, in file order, without the receiver in
    force on `day` (the first receiver when no day is given)."""
    chosen: set[str] = set(obligation.submitters.units)
    kinds = set(obligation.submitters.kinds)
    chosen.update(u.id for u in calendar.units if u.kind in kinds)
    for root in obligation.submitters.subtrees:
        chosen.update(calendar.subtree(root))
    chosen.difference_update(obligation.submitters.exclude)
    chosen.discard(obligation.receiver_on(day) if day is not None else obligation.receiver)
    return [u for u in calendar.units if u.id in chosen]


def receiver_for(obligation: Obligation, unit: Unit, day: date) -> str | None:
    """The unit id `unit`'s report is sent to on `day`: the receiver in force, or its
    parent when the receiver is `parent` (None for a root, which reports to nobody)."""
    receiver = obligation.receiver_on(day)
    return unit.parent if receiver == PARENT else receiver


def is_expected(unit: Unit, period: Period, last_day: date) -> bool:
    """Did `unit` owe the report of `period`, whose last day (by its reading) is `last_day`?

    It must have been opened by the end of the period and by the last day, and not be
    closed by the last day: a unit closed mid-period no longer owes the report itself
    (its successor may owe it in its place), and one opened after the period never did.
    """
    if unit.opened is not None and unit.opened > min(period.end, last_day):
        return False
    return unit.closed is None or unit.closed > max(last_day, period.start)


def part_of(unit: Unit, period: Period, last_day: date) -> bool:
    """Was `unit` part of the period (open on some day of it, by the last day)?"""
    if unit.opened is not None and unit.opened > min(period.end, last_day):
        return False
    return unit.closed is None or unit.closed > period.start


@dataclass(frozen=True, slots=True)
class Owed:
    """One report owed for a period, by `unit` (the deadline is its own)."""

    unit: Unit
    instead_of: tuple[Unit, ...] = ()
    """Closed units whose report for the period this one carries (it is their successor)."""
    own: bool = True
    """False when `unit` owes the report only in place of the units it took over."""

    def name_vi(self) -> str:
        """ "Xã Mới (thay cho Xã A, Xã B)", "Sở Tài chính (gồm cả Sở Kế hoạch và Đầu tư)"."""
        if not self.instead_of:
            return self.unit.name
        names = ", ".join(u.name for u in self.instead_of)
        return f"{self.unit.name} ({'gồm cả' if self.own else 'thay cho'} {names})"


@dataclass(frozen=True, slots=True)
class NotOwed:
    unit: Unit
    reason: str
    """In Vietnamese, for the plan and the dashboard."""


def successor_on(calendar: Calendar, unit: Unit, day: date) -> Unit | None:
    """The unit that carries on `unit`'s reports on `day`, following successors of
    successors (a merger then another); None when the chain ends in a closed unit."""
    seen = {unit.id}
    current = unit
    while current.successor is not None and current.successor in calendar.units_by_id:
        current = calendar.unit(current.successor)
        if current.id in seen:
            return None
        seen.add(current.id)
        if current.exists_on(day):
            return current
    return None


def owed_reports(
    calendar: Calendar, obligation: Obligation, period: Period, last_day: date
) -> tuple[list[Owed], list[NotOwed]]:
    """Who owes the report of `period`, in file order.

    Units that were part of the period owe it themselves; one closed before the report
    was due has it carried by its successor: a single report per successor, for all the
    units it took over and its own part if it owes one (three communes merged into one
    owe one report for the half-year, not three; a merged department owes one, not two).
    The others are listed as not owed, with the reason.
    """
    own: set[str] = set()
    carried: dict[str, list[Unit]] = {}
    not_owed: list[NotOwed] = []
    for unit in selected_units(calendar, obligation, last_day):
        if receiver_for(obligation, unit, last_day) is None:
            continue  # a root reporting to its `parent` has nobody to report to
        if is_expected(unit, period, last_day):
            own.add(unit.id)
        elif part_of(unit, period, last_day):
            assert unit.closed is not None
            successor = successor_on(calendar, unit, last_day)
            if successor is None:
                not_owed.append(NotOwed(unit, not_owed_reason(unit.closed)))
            elif successor.id == receiver_for(obligation, successor, last_day):
                not_owed.append(NotOwed(unit, receives_reason(unit.closed, successor)))
            else:
                carried.setdefault(successor.id, []).append(unit)
    owed = [
        Owed(u, tuple(carried.get(u.id, ())), u.id in own)
        for u in calendar.units
        if u.id in own or u.id in carried
    ]
    return owed, not_owed


def not_owed_reason(closed: date) -> str:
    return f"ngừng hoạt động từ {closed:%d/%m/%Y}, trước hạn nộp, không có đơn vị kế thừa"


def receives_reason(closed: date, successor: Unit) -> str:
    return (
        f"ngừng hoạt động từ {closed:%d/%m/%Y}; đơn vị kế thừa {successor.name} là nơi nhận báo cáo"
    )


def expected_units(
    calendar: Calendar, obligation: Obligation, period: Period, last_day: date
) -> list[Unit]:
    """The units that owe the report (for themselves or the units they took over)."""
    return [o.unit for o in owed_reports(calendar, obligation, period, last_day)[0]]


@dataclass(frozen=True, slots=True)
class Rates:
    expected: int
    submitted: int
    on_time: int
    excused: int = 0

    @property
    def reporting_rate(self) -> float | None:
        return self.submitted / self.expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None

    @property
    def missing(self) -> int:
        return self.expected - self.submitted

    @classmethod
    def of(cls, statuses: Iterable[DeadlineStatus]) -> Rates:
        expected = submitted = on_time = excused = 0
        for status in statuses:
            if status is DeadlineStatus.EXCUSED:
                excused += 1
                continue
            expected += 1
            submitted += status.submitted
            on_time += status is DeadlineStatus.SUBMITTED_ON_TIME
        return cls(expected, submitted, on_time, excused)

    def __add__(self, other: Rates) -> Rates:
        return Rates(
            self.expected + other.expected,
            self.submitted + other.submitted,
            self.on_time + other.on_time,
            self.excused + other.excused,
        )


def format_rate(rate: float | None) -> str:
    """Vietnamese percentage with a decimal comma ("87,5%"); "—" when nothing was expected."""
    if rate is None:
        return "—"
    return f"{rate * 100:.1f}%".replace(".", ",")
