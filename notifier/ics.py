"""iCalendar events for legal ends, so a deadline lands in the focal point's own calendar.

The event runs on the legal-end day from the start of working hours to 24:00 local time
(the legal end itself), in the calendar's time zone, with its VTIMEZONE (built once per
zone: deriving it is expensive). The UID is derived from the cycle (and unit), so
re-sending or re-importing updates the event instead of duplicating it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Event

from deadlines.plan import due_vi, shift_reason
from deadlines.timeline import CyclePlan
from deadlines.vi import fmt_date, fmt_span

PRODID = "-//hanchot//hạn chót//VI"


def cycle_event(
    cycle: CyclePlan,
    title: str,
    tz: ZoneInfo,
    unit_id: str | None = None,
    stamp: datetime | None = None,
    day_starts: time = time(7, 30),
) -> Event:
    event = Event()
    subject = cycle.deadline_id(unit_id) if unit_id else cycle.cycle_id
    event.add("uid", f"{subject}@hanchot")
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("summary", f"Hạn nộp: {title} ({cycle.period.label_vi()})")
    event.add("dtstart", datetime.combine(cycle.legal_end, day_starts, tz))
    event.add("dtend", cycle.legal_end_at.astimezone(tz))
    lines = [
        f"Hạn ghi trong văn bản: {due_vi(cycle.due_text) or 'hết đợt'} ({fmt_date(cycle.nominal)})"
    ]
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
    alarm.add("trigger", timedelta(days=-1))  # the working day before, same hour
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
    for tzid in sorted(cal.get_missing_tzids(), reverse=True):
        cal.subcomponents.insert(0, _vtimezone(tzid))  # VTIMEZONE before the events using it
    return cal.to_ical()


@functools.lru_cache(maxsize=16)
def _vtimezone(tzid: str) -> Component:
    """The VTIMEZONE for `tzid`, built once: icalendar derives it from the tz database
    on every `add_missing_timezones()`, which was most of the CPU of sending an email."""
    probe = Calendar()
    event = Event()
    event.add("dtstart", datetime(2025, 1, 1, tzinfo=ZoneInfo(tzid)))
    probe.add_component(event)
    probe.add_missing_timezones()
    (component,) = probe.walk("VTIMEZONE")
    return component


def deadline_event(
    *,
    workflow_id: str,
    title: str,
    period_label: str,
    legal_end: date,
    legal_end_at: datetime,
    tz: ZoneInfo,
    due_text: str = "",
    data_window: tuple[date, date] | None = None,
    url: str | None = None,
    stamp: datetime | None = None,
    day_starts: time = time(7, 30),
) -> Event:
    """The event of one unit's deadline as a message carries it: built from the plain
    values of a notification (no CyclePlan at hand), with the same UID as `cycle_event`
    for that unit, so the copy in a reminder and the one from `plan` are one event."""
    event = Event()
    event.add("uid", f"{workflow_id}@hanchot")
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("summary", f"Hạn nộp: {title} ({period_label})")
    event.add("dtstart", datetime.combine(legal_end, day_starts, tz))
    event.add("dtend", legal_end_at.astimezone(tz))
    lines = []
    if due_text:
        lines.append(f"Hạn ghi trong văn bản: {due_vi(due_text)}")
    lines.append(f"Hạn cuối: hết ngày {fmt_date(legal_end)}")
    if data_window:
        lines.append(f"Số liệu tính từ {fmt_span(data_window)}")
    if url:
        lines.append(f"Nộp báo cáo: {url}")
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Sắp đến hạn: {title}")
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    return event
