"""Who owes a report in a period, and how well they reported (DHIS2's counting).

expected = units selected by the obligation that existed when the report was owed;
actual = those that submitted; on time = those that submitted by the legal end or the
extension granted to them. Excused units are taken out of `expected`, as a coordinator
who excuses a unit says it owed nothing.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from deadlines.model import Calendar, Obligation, Unit
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


def selected_units(calendar: Calendar, obligation: Obligation) -> list[Unit]:
    """Units the obligation names as submitters, in file order, receiver excluded."""
    chosen: set[str] = set(obligation.submitters.units)
    kinds = set(obligation.submitters.kinds)
    chosen.update(u.id for u in calendar.units if u.kind in kinds)
    for root in obligation.submitters.subtrees:
        chosen.update(calendar.subtree(root))
    chosen.difference_update(obligation.submitters.exclude)
    chosen.discard(obligation.receiver)
    return [u for u in calendar.units if u.id in chosen]


def is_expected(unit: Unit, period: Period, last_day: date) -> bool:
    """Did `unit` owe the report of `period`, whose last day (by its reading) is `last_day`?

    It must have been opened by the end of the period and by the last day, and not be
    closed by the last day: a unit closed mid-period no longer owes the report, and one
    opened after the period never did.
    """
    if unit.opened is not None and unit.opened > min(period.end, last_day):
        return False
    return unit.closed is None or unit.closed > max(last_day, period.start)


def expected_units(
    calendar: Calendar, obligation: Obligation, period: Period, last_day: date
) -> list[Unit]:
    return [u for u in selected_units(calendar, obligation) if is_expected(u, period, last_day)]


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
