"""iCalendar events for legal ends, so a deadline lands in the focal point's own calendar.

The event runs on the legal-end day from the start of working hours to 24:00 local time
(the legal end itself), in the calendar's time zone, with its VTIMEZONE. The UID is
derived from the cycle (and unit), so re-sending or re-importing updates the event
instead of duplicating it.

The VCALENDAR text is written directly (RFC 5545: CRLF line endings, TEXT escaping,
content lines folded at 75 octets without splitting a UTF-8 sequence), in the layout
icalendar gives (property order, folding), because serializing through icalendar's
object model was over half of the CPU of composing an email. icalendar still derives
each time zone's VTIMEZONE and TZID from the tz database, once per zone per process;
`tests/notifier/test_ics_equivalence.py` checks the output against icalendar's own.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from deadlines import present
from deadlines.plan import due_vi, shift_reason
from deadlines.timeline import CyclePlan
from deadlines.vi import fmt_date, fmt_span

PRODID = "-//hanchot//hạn chót//VI"
CRLF = b"\r\n"
FOLD = b"\r\n "
LINE_OCTETS = 74
"""Octets of a content line's text per physical line: with the leading space of a
continuation, every physical line stays within RFC 5545's 75 (icalendar's choice)."""
ALARM_BEFORE = timedelta(days=-1)  # the working day before, same hour
METHOD = "PUBLISH"
"""The iTIP method (RFC 5546): an event to add, no attendees to answer. The email part's
`method=` parameter names the same one (RFC 6047 §2.4 requires them to agree)."""
CONTENT_TYPE = f'text/calendar; charset="utf-8"; method="{METHOD}"'
"""The MIME type of the `.ics` part: its charset said (RFC 5545 §3.1.4's default is
UTF-8, yet some readers show Vietnamese as mojibake without it)."""
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters TEXT may not hold (RFC 5545 §3.3.11): removed, not escaped."""


@dataclass(frozen=True, slots=True)
class IcsEvent:
    """One VEVENT with its display alarm: the values, not their iCalendar text."""

    uid: str
    stamp: datetime
    summary: str
    start: datetime
    end: datetime
    description: str
    alarm: str
    url: str | None = None


def cycle_event(
    cycle: CyclePlan,
    title: str,
    tz: ZoneInfo,
    unit_id: str | None = None,
    stamp: datetime | None = None,
    day_starts: time = time(7, 30),
) -> IcsEvent:
    subject = cycle.deadline_id(unit_id) if unit_id else cycle.cycle_id
    lines = [
        f"Hạn ghi trong văn bản: {due_vi(cycle.due_text) or 'hết đợt'} ({fmt_date(cycle.nominal)})"
    ]
    lines.append(f"Hạn cuối: {present.due_text(cycle.legal_end)}")
    if reason := shift_reason(cycle):
        lines.append(f"Lý do: {reason}")
    if cycle.data_window:
        lines.append(f"Số liệu tính từ {fmt_span(cycle.data_window)}")
    if cycle.campaign_window:
        lines.append(f"Đợt cao điểm: {fmt_span(cycle.campaign_window)}")
    return IcsEvent(
        uid=f"{subject}@hanchot",
        stamp=stamp or datetime.now(UTC),
        summary=f"Hạn nộp: {title} ({cycle.period.label_vi()})",
        start=datetime.combine(cycle.legal_end, day_starts, tz),
        end=cycle.legal_end_at.astimezone(tz),
        description="\n".join(lines),
        alarm=f"Sắp đến hạn: {title}",
    )


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
) -> IcsEvent:
    """The event of one unit's deadline as a message carries it: built from the plain
    values of a notification (no CyclePlan at hand), with the same UID as `cycle_event`
    for that unit, so the copy in a reminder and the one from `plan` are one event."""
    lines = []
    if due_text:
        lines.append(f"Hạn ghi trong văn bản: {due_vi(due_text)}")
    lines.append(f"Hạn cuối: {present.due_text(legal_end)}")
    if data_window:
        lines.append(f"Số liệu tính từ {fmt_span(data_window)}")
    if url:
        lines.append(f"Nộp báo cáo: {url}")
    return IcsEvent(
        uid=f"{workflow_id}@hanchot",
        stamp=stamp or datetime.now(UTC),
        summary=f"Hạn nộp: {title} ({period_label})",
        start=datetime.combine(legal_end, day_starts, tz),
        end=legal_end_at.astimezone(tz),
        description="\n".join(lines),
        alarm=f"Sắp đến hạn: {title}",
        url=url or None,
    )


def build_calendar(events: Iterable[IcsEvent], name: str) -> bytes:
    """The VCALENDAR (UTF-8, CRLF) of `events`: each zone's VTIMEZONE before them."""
    body: list[bytes] = []
    zones: dict[str, bytes] = {}
    for event in events:
        body.append(_vevent(event, zones))
    head = [
        b"BEGIN:VCALENDAR",
        b"VERSION:2.0",
        _line("PRODID", PRODID),
        b"CALSCALE:GREGORIAN",
        b"METHOD:" + METHOD.encode(),
        _line("X-WR-CALNAME", name),
        b"",
    ]
    return b"".join(
        [CRLF.join(head), *(zones[tzid] for tzid in sorted(zones)), *body, b"END:VCALENDAR\r\n"]
    )


def _vevent(event: IcsEvent, zones: dict[str, bytes]) -> bytes:
    # icalendar's order: its canonical SUMMARY, DTSTART, DTEND, DTSTAMP, UID, then
    # the rest alphabetically (its VALARM: alphabetically).
    lines = [
        b"BEGIN:VEVENT",
        _line("SUMMARY", event.summary),
        _datetime("DTSTART", event.start, zones),
        _datetime("DTEND", event.end, zones),
        b"DTSTAMP:" + _utc(event.stamp),
        _line("UID", event.uid),
        _line("DESCRIPTION", event.description),
        b"TRANSP:TRANSPARENT",
    ]
    if event.url:
        url = CONTROLS.sub("", event.url).replace("\r", "").replace("\n", "")
        lines.append(_fold(b"URL:" + url.encode()))  # a URI: not TEXT-escaped
    lines += [
        b"BEGIN:VALARM",
        b"ACTION:DISPLAY",
        _line("DESCRIPTION", event.alarm),
        b"TRIGGER:" + _duration(ALARM_BEFORE),
        b"END:VALARM",
        b"END:VEVENT",
        b"",
    ]
    return CRLF.join(lines)


def escape_text(value: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma escaped; any line break as `\\n`;
    other control characters (a calendar name pasted from a spreadsheet) dropped."""
    return (
        CONTROLS.sub("", value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _line(name: str, text: str) -> bytes:
    return _fold(f"{name}:{escape_text(text)}".encode())


def _fold(line: bytes) -> bytes:
    """A content line folded into physical lines of at most 75 octets: cut only before
    the first byte of a UTF-8 sequence, and never right after a backslash (or `^`), so
    no escape is split (clients that unfold badly exist)."""
    if len(line) <= LINE_OCTETS:
        return line
    parts = []
    start, end = 0, len(line)
    while end - start > LINE_OCTETS:
        cut = start + LINE_OCTETS
        while line[cut] & 0xC0 == 0x80:  # a continuation byte: back to the lead byte
            cut -= 1
        lead = cut - 1
        while line[lead] & 0xC0 == 0x80:
            lead -= 1
        if lead > start and line[lead] in b"\\^":
            cut = lead
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return FOLD.join(parts)


def _datetime(name: str, value: datetime, zones: dict[str, bytes]) -> bytes:
    """A local time with its TZID (the zone's VTIMEZONE noted in `zones`), or UTC."""
    key = getattr(value.tzinfo, "key", None)
    if not isinstance(key, str):
        raise ValueError(f"{name} needs a ZoneInfo time zone, not {value.tzinfo!r}")
    tzid, vtimezone = _zone(key)
    if tzid is None:
        return f"{name}:".encode() + _utc(value)
    zones.setdefault(tzid, vtimezone)
    return _fold(f"{name};TZID={tzid}:{value:%Y%m%dT%H%M%S}".encode())


def _utc(value: datetime) -> bytes:
    return f"{value.astimezone(UTC):%Y%m%dT%H%M%SZ}".encode()


def _duration(value: timedelta) -> bytes:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    if value.seconds or value.microseconds:
        raise ValueError(f"only whole days are written: {value!r}")
    return f"{sign}P{value.days}D".encode()


@functools.lru_cache(maxsize=16)
def _zone(key: str) -> tuple[str | None, bytes]:
    """The TZID icalendar gives the zone `key` and its serialized VTIMEZONE, derived
    from the tz database once per zone (None: a UTC zone, written with `Z`, no
    VTIMEZONE). icalendar is imported here only: deriving transitions is its job."""
    from icalendar import Calendar, Event

    probe = Calendar()
    event = Event()
    event.add("dtstart", datetime(2025, 1, 1, tzinfo=ZoneInfo(key)))
    probe.add_component(event)
    if not probe.get_missing_tzids():
        return None, b""
    tzid = str(event["DTSTART"].params["TZID"])
    probe.add_missing_timezones()
    (component,) = probe.walk("VTIMEZONE")
    return tzid, bytes(component.to_ical())
