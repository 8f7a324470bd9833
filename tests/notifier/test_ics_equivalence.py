"""The `.ics` hanchot writes directly says what icalendar's own serialization said.

`notifier.ics` stopped building events through icalendar's object model (it was most of
the CPU of composing a reminder). Here icalendar builds the same events the way it used
to (`reference_*`, the former code) and both texts are parsed back with
`icalendar.Calendar.from_ical`: every property, parameter and component must agree,
for seeded deadlines with Vietnamese text, long descriptions (folded lines) and the
characters TEXT escapes; folding itself is checked on multi-byte boundaries.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Alarm, Calendar, Component, Event

from config.loader import load_calendar
from deadlines import present
from deadlines.plan import due_vi, shift_reason, year_plan
from deadlines.timeline import CyclePlan
from deadlines.vi import fmt_date, fmt_span
from notifier import ics

BIMSON = Path(__file__).resolve().parents[2] / "config" / "examples" / "bimson-2017.yaml"
ZONES = ["Asia/Ho_Chi_Minh", "Asia/Saigon", "Asia/Bangkok", "Europe/Berlin", "UTC"]
WORDS = [
    "Báo cáo",
    "6 tháng",
    "công tác",
    "bình đẳng giới",
    "phòng, chống",
    "tệ nạn xã hội;",
    "Sở Lao động – Thương binh và Xã hội",
    "Ủy ban nhân dân",
    "thị xã Hà Lan\\Bỉm Sơn",
    "đường dẫn: a,b;c",
    "ữ€😀",
    "\\n không phải xuống dòng",
    "dòng 1\ndòng 2",
    "^ mũ",
]


# --- the former icalendar-built events ------------------------------------------------


def reference_calendar(events: list[Event], name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", ics.PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(event)
    for tzid in sorted(cal.get_missing_tzids(), reverse=True):
        probe = Calendar()
        probe_event = Event()
        probe_event.add("dtstart", datetime(2025, 1, 1, tzinfo=ZoneInfo(tzid)))
        probe.add_component(probe_event)
        probe.add_missing_timezones()
        cal.subcomponents.insert(0, probe.walk("VTIMEZONE")[0])
    return bytes(cal.to_ical())


def _alarm(event: Event, title: str) -> None:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Sắp đến hạn: {title}")
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)


def reference_deadline_event(
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
    event = Event()
    event.add("uid", f"{workflow_id}@hanchot")
    event.add("dtstamp", stamp or datetime.now(UTC))
    event.add("summary", f"Hạn nộp: {title} ({period_label})")
    event.add("dtstart", datetime.combine(legal_end, day_starts, tz))
    event.add("dtend", legal_end_at.astimezone(tz))
    lines = []
    if due_text:
        lines.append(f"Hạn ghi trong văn bản: {due_vi(due_text)}")
    lines.append(f"Hạn cuối: {present.due_text(legal_end)}")
    if data_window:
        lines.append(f"Số liệu tính từ {fmt_span(data_window)}")
    if url:
        lines.append(f"Nộp báo cáo: {url}")
        event.add("url", url)
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    _alarm(event, title)
    return event


def reference_cycle_event(
    cycle: CyclePlan, title: str, tz: ZoneInfo, unit_id: str | None, stamp: datetime, day: time
) -> Event:
    event = Event()
    subject = cycle.deadline_id(unit_id) if unit_id else cycle.cycle_id
    event.add("uid", f"{subject}@hanchot")
    event.add("dtstamp", stamp)
    event.add("summary", f"Hạn nộp: {title} ({cycle.period.label_vi()})")
    event.add("dtstart", datetime.combine(cycle.legal_end, day, tz))
    event.add("dtend", cycle.legal_end_at.astimezone(tz))
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
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    _alarm(event, title)
    return event


# --- comparison -----------------------------------------------------------------------


def unescape(value: bytes) -> str:
    """RFC 5545 TEXT unescaping of a raw value (for X-WR-CALNAME, which icalendar
    keeps raw: it wrote it unescaped, hanchot writes it escaped)."""
    text = value.decode()
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "\\;,nN":
            out.append("\n" if text[i + 1] in "nN" else text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def calendar_name(data: bytes) -> str:
    return unescape(Calendar.from_ical(data)["X-WR-CALNAME"].to_ical())


def properties(component: Component) -> dict[str, Any]:
    """Every property as (decoded value, parameters); X-WR-CALNAME apart (icalendar
    keeps it raw: `calendar_name`)."""
    out: dict[str, Any] = {}
    for name, value in component.property_items(recursive=False, sorted=True):
        if name in ("BEGIN", "END", "X-WR-CALNAME"):
            continue
        decoded = component.decoded(name)
        if isinstance(decoded, datetime):  # the zone by name: zoneinfo vs icalendar's
            decoded = (decoded.replace(tzinfo=None), str(decoded.tzinfo), decoded.utcoffset())
        out[name] = (decoded, dict(getattr(value, "params", {})))
    return out


def tree(data: bytes) -> list[tuple[str, dict[str, Any]]]:
    return [(c.name, properties(c)) for c in Calendar.from_ical(data).walk()]


def assert_same_calendar(ours: bytes, reference: bytes) -> None:
    mine, theirs = tree(ours), tree(reference)
    assert [name for name, _ in mine] == [name for name, _ in theirs]
    for (name, props), (_, expected) in zip(mine, theirs, strict=True):
        assert props == expected, name
    for line in ours.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no UTF-8 sequence split by a fold
    assert ours.endswith(b"END:VCALENDAR\r\n") and b"\n" not in ours.replace(b"\r\n", b"")


def seeded(seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 12)))
    legal_end = date(2025, 1, 1) + timedelta(days=rng.randint(0, 4000))
    start = legal_end - timedelta(days=rng.randint(30, 200))
    url = None
    if rng.random() < 0.8:
        token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789-_.") for _ in range(90))
        url = f"https://hanchot.example/nop/{token}?a=1;b=2,3"
    return {
        "workflow_id": f"deadline/cal-{seed}/bao-cao/{legal_end.year}-H1/unit-{seed}",
        "title": title,
        "period_label": rng.choice(["6 tháng đầu năm 2031", "Quý III/2026", "Năm 2027"]),
        "legal_end": legal_end,
        "legal_end_at": datetime.combine(legal_end + timedelta(days=1), time(0), UTC)
        - timedelta(hours=7),
        "tz": ZoneInfo(rng.choice(ZONES)),
        "due_text": rng.choice(["", "before 15/12", "by 20/06", "hết đợt"]),
        "data_window": (start, legal_end) if rng.random() < 0.5 else None,
        "url": url,
        "stamp": datetime(2031, 6, 1, 2, 3, 4, rng.randint(0, 999_999), tzinfo=UTC),
        "day_starts": time(rng.choice([7, 8]), rng.choice([0, 30])),
    }


# --- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_a_reminder_event_says_what_icalendar_said(seed: int) -> None:
    values = seeded(seed)
    name = values["title"]
    ours = ics.build_calendar([ics.deadline_event(**values)], name)
    # icalendar wrote the name unescaped: a line break failed, `\n` read as one
    plain = name.replace("\n", " ").replace("\\n", "/n")
    reference = reference_calendar([reference_deadline_event(**values)], plain)
    assert_same_calendar(ours, reference)
    assert calendar_name(ours) == name and calendar_name(reference) == plain
    [event] = Calendar.from_ical(ours).walk("VEVENT")
    assert str(event["summary"]) == f"Hạn nộp: {name} ({values['period_label']})"
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == timedelta(days=-1)


@pytest.mark.parametrize("seed", range(40))
def test_same_bytes_as_icalendar_when_the_name_needs_no_escaping(seed: int) -> None:
    """Layout too (property order, folding points): what calendars received before is
    what they receive now. X-WR-CALNAME is the one difference: icalendar wrote it
    unescaped (and failed on a line break), hanchot writes TEXT."""
    values = seeded(seed)
    ours = ics.build_calendar([ics.deadline_event(**values)], "Lịch báo cáo Bỉm Sơn")
    reference = reference_calendar([reference_deadline_event(**values)], "Lịch báo cáo Bỉm Sơn")
    assert ours == reference


def test_the_plan_calendar_says_what_icalendar_said() -> None:
    """`hanchot plan --format ics`: a year of cycles, several events, one VTIMEZONE."""
    cal = load_calendar(BIMSON)
    tz = ZoneInfo(cal.organisation.timezone)
    stamp = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    ours, theirs = [], []
    for entry in year_plan(cal, 2017, "x-ha-lan"):  # the example's year
        ob = cal.obligation(entry.cycle.obligation_id)
        day = ob.working_hours.start
        ours.append(ics.cycle_event(entry.cycle, ob.name, tz, "x-ha-lan", stamp, day))
        theirs.append(reference_cycle_event(entry.cycle, ob.name, tz, "x-ha-lan", stamp, day))
    assert len(ours) >= 3
    name = f"{cal.name} — 2017"
    data = ics.build_calendar(ours, name)
    assert_same_calendar(data, reference_calendar(theirs, name))
    assert [c.name for c in Calendar.from_ical(data).subcomponents].count("VTIMEZONE") == 1


def test_a_utc_calendar_writes_utc_times_and_no_vtimezone() -> None:
    values = {**seeded(1), "tz": ZoneInfo("UTC")}
    data = ics.build_calendar([ics.deadline_event(**values)], "x")
    assert b"VTIMEZONE" not in data and b"TZID" not in data
    assert_same_calendar(data, reference_calendar([reference_deadline_event(**values)], "x"))


def test_text_escaping() -> None:
    assert ics.escape_text("a\\b;c,d\ne\r\nf\rg") == "a\\\\b\\;c\\,d\\ne\\nf\\ng"
    assert ics.escape_text("\\N") == "\\\\N"  # a backslash, then N: not a line break


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.integers(min_value=0, max_value=80),
    text=st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=300
    ),
)
def test_folding_round_trips_on_multibyte_boundaries(prefix: int, text: str) -> None:
    """Every fold point shifted across 1- to 4-byte characters: physical lines of at
    most 75 octets, each valid UTF-8, no line ending in a backslash of an escape, and
    the value reads back exactly but for control characters (by unfolding and by
    icalendar)."""
    value = "a" * prefix + text + "ữ€😀\\;,"
    line = ics._line("SUMMARY", value)
    physical = line.split(b"\r\n")
    for i, part in enumerate(physical):
        assert len(part) <= 75
        part.decode("utf-8")
        if i:
            assert part.startswith(b" ")
    assert line.replace(b"\r\n ", b"") == ("SUMMARY:" + ics.escape_text(value)).encode()
    event = Calendar.from_ical(b"BEGIN:VEVENT\r\n" + line + b"\r\nEND:VEVENT\r\n")
    assert str(event["summary"]) == ics.CONTROLS.sub("", value)  # controls dropped


@pytest.mark.parametrize("octets", range(60, 90))
def test_folding_at_every_offset_of_a_vietnamese_line(octets: int) -> None:
    value = "x" * (octets % 7) + "Hạn nộp: Báo cáo công tác phòng, chống tệ nạn xã hội; " * 3
    value = value[: octets // 2 + 40]
    line = ics._line("DESCRIPTION", value)
    assert all(len(p) <= 75 for p in line.split(b"\r\n"))
    event = Calendar.from_ical(b"BEGIN:VEVENT\r\n" + line + b"\r\nEND:VEVENT\r\n")
    assert str(event["description"]) == value
