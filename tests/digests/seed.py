"""A store with two H1 cycles of the test calendar (the previous year's and this year's)
and three supervisors: `boss` over the whole province, `head-a` over Sở Y tế, `fp-c` over
Sở Giáo dục và Đào tạo.

Previous period: unit-a on time, unit-b late (reporting 100%, on time 50%).
This period: unit-a overdue (3 reminders, an extension requested), unit-b on time
(reporting 50%, on time 50%).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from activities.store_access import StoreAccess
from config.loader import load_calendar_text
from store import deadlines_repo
from store.calendars import save_calendar
from tests.workflows.support import calendar_text

YEAR = 2031
CAL = "test-cal"
OBLIGATION = "bao-cao-6-thang"
LEGAL_END = datetime(YEAR, 6, 15, 10, 0, tzinfo=UTC)  # 17:00 in Hà Nội
"""This period's legal end; `AS_OF` is 5 days later, a Friday morning local time."""
AS_OF = datetime(YEAR, 6, 20, 1, 0, tzinfo=UTC)

SUPERVISORS = """supervisors:
  - {person: boss, units: [ubnd]}
  - {person: head-a, units: [unit-a]}
  - {person: fp-c, units: [unit-b]}
"""


def calendar_yaml() -> str:
    text = calendar_text(YEAR)
    return text.replace("supervisors:\n  - {person: boss, units: [ubnd]}\n", SUPERVISORS)


def cycle_id(year: int) -> str:
    return f"cycle/{CAL}/{OBLIGATION}/{year}-H1"


def deadline_id(year: int, unit: str) -> str:
    return f"deadline/{CAL}/{OBLIGATION}/{year}-H1/{unit}"


def _event(
    end: datetime, unit: str, seq: int, status: str, event: str, reminders: int = 0
) -> deadlines_repo.DeadlineRow:
    year = end.year
    legal_end = end
    return deadlines_repo.DeadlineRow(
        workflow_id=deadline_id(year, unit),
        cycle_workflow_id=cycle_id(year),
        calendar_key=CAL,
        unit_key=unit,
        seq=seq,
        status=status,
        legal_end_at=legal_end,
        due_at=legal_end,
        reminders_sent=reminders,
        event=event,
        at=legal_end,
        by="system",
        details={},
    )


def seed(
    store: StoreAccess, tmp: Path, overdue: bool = True, legal_end: datetime = LEGAL_END
) -> None:
    """Seed the store; `legal_end` is this period's (the previous one's is a year earlier)."""
    year = legal_end.year
    before = legal_end.replace(year=year - 1)
    calendar = load_calendar_text(calendar_yaml(), "test-cal.yaml")
    with store.write() as session:
        save_calendar(session, calendar, tmp / "test-cal.yaml")
        for y in (year - 1, year):
            snapshot = {"cycle": {"period_label": f"6 tháng đầu năm {y}"}, "units": []}
            deadlines_repo.freeze_cycle(
                session, CAL, OBLIGATION, f"{y}-H1", cycle_id(y), snapshot, before
            )
        apply = deadlines_repo.apply_event
        apply(session, _event(before, "unit-a", 0, "submitted_on_time", "submitted"))
        apply(session, _event(before, "unit-b", 0, "submitted_late", "submitted"))
        apply(session, _event(legal_end, "unit-b", 0, "submitted_on_time", "submitted"))
        if overdue:
            apply(
                session,
                _event(legal_end, "unit-a", 0, "open", "extension_requested", 3),
                extension={"days": 5, "reason": "Chờ số liệu", "at": legal_end},
            )
            apply(session, _event(legal_end, "unit-a", 1, "overdue", "overdue", 3))
        else:
            apply(session, _event(legal_end, "unit-a", 0, "submitted_late", "submitted", 3))
