"""iCalendar events for legal ends, so a deadline lands in the focal point's own calendar.

The event is all-day on the legal end; its UID is derived from the cycle (and unit), so
re-sending or re-importing updates the event instead of duplicating it. VTIMEZONE is
added explicitly (icalendar only adds it on `add_missing_timezones()`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from deadlines.plan import due_vi, shift_reason
from deadlines.timeline import CyclePlan
from deadlines.vi import fmt_date, fmt_span

PRODID = "-//hanchot//hạn chót//VI"


def cycle_event(
    cycle: CyclePlan, title: str, tz: ZoneInfo, unit_id: str | None = None, stamp: datetime | None = None
) -> Event:
    event = Event()
    subject = cycle.deadline_id(unit_id) if unit_id else cycle.cycle_id
    event.add("uid", f"{subject}@hanchot")
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("summary", f"Hạn nộp: {title} ({cycle.period.label_vi()})")
    event.add("dtstart", cycle.legal_end)
    event.add("dtend", cycle.legal_end + timedelta(days=1))
    lines = [f"Hạn ghi trong văn bản: {due_vi(cycle.due_text) or 'hết đợt'} ({fmt_date(cycle.nominal)})"]
    lines.append(f"Hạn cuối: hết ngày {fmt_date(cycle.legal_end)}")
    if reason := shift_reason(cycle):
        lines.append(f"Lý do: {reason}")
    if cycle.data_window:
        lines.append(f"Số liệu tính từ {fmt_span(cycle.data_window)}")
    if cycle.campaign_window:
        lines.append(f"Đợt cao điểm: {fmt_span(cycle.campaign_window)}")
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Sắp đến hạn: {title}")
    # RFC 5545: an absolute TRIGGER is in UTC. 08:00 local on the day before the legal end.
    start = datetime.combine(cycle.legal_end, datetime.min.time(), tz)
    alarm.add("trigger", (start - timedelta(hours=16)).astimezone(UTC))
    event.add_component(alarm)
    return event


def build_calendar(events: Iterable[Event], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
