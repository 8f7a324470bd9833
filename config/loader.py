"""Load a reporting calendar from YAML into `deadlines.model.Calendar`, or fail whole.

Every problem in the file is collected and reported at once (file, line, field, what
would be valid). Obligations are read in `config.obligations`, the cross-reference
checks live in `config.checks`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from config import checks
from config.errors import CalendarError, ConfigIssue
from config.obligations import escalation, obligation, open_before, reminders, reminders_in_hours
from config.source import Node, Report, check_keys, parse_yaml, read, text, too_big
from config.values import (
    CHANNELS,
    ID_HINT,
    check_channels,
    check_email,
    check_id,
    check_phone,
    check_telegram,
    parse_date,
    parse_duration,
    parse_offset,
    parse_time,
    parse_working_hours,
)
from deadlines import bounds
from deadlines.model import (
    Calendar,
    DayOff,
    EscalationRule,
    EscalationTarget,
    Organisation,
    Person,
    Reading,
    ReminderOffset,
    Supervisor,
    Unit,
    WorkingHours,
)

_TOP = {
    "calendar",
    "organisation",
    "defaults",
    "people",
    "units",
    "supervisors",
    "obligations",
    "days_off",
    "working_saturdays",
    "working_days",
}
_DEFAULTS = {"reading", "reminder_time", "working_hours", "reminders", "escalation", "open_before"}
_PERSON = {"id", "name", "email", "telegram", "language", "phone", "channels"}
_UNIT = {"id", "name", "kind", "parent", "opened", "closed", "successor", "focal_point", "head"}
_LANGS = {"vi", "en"}


def load_calendar(path: Path | str) -> Calendar:
    return load_calendar_text(read_calendar_text(path), str(path))


def read_calendar_text(path: Path | str) -> str:
    """A calendar file's text, read within the size bound (CalendarError naming the file
    otherwise): every reader of calendar files goes through here, `hanchot load` too."""
    path = Path(path)
    try:
        with path.open("rb") as stream:  # bounded: a 50 GB file is refused, not read
            raw = stream.read(bounds.CALENDAR_MAX_BYTES + 1)
        if len(raw) > bounds.CALENDAR_MAX_BYTES:
            size = max(path.stat().st_size, len(raw))  # a device or pipe has no size
            raise CalendarError([ConfigIssue(str(path), 1, "", too_big(size))])
        content = raw.decode("utf-8")
    except FileNotFoundError:
        raise CalendarError([ConfigIssue(str(path), None, "", "không tìm thấy tệp")]) from None
    except UnicodeDecodeError as exc:
        raise CalendarError(
            [ConfigIssue(str(path), None, "", f"tệp không phải UTF-8 (byte {exc.start})")]
        ) from None
    except OSError as exc:
        raise CalendarError(
            [ConfigIssue(str(path), None, "", f"không đọc được tệp: {exc.strerror}")]
        ) from None
    return content


def load_calendar_text(content: str, source: str) -> Calendar:
    report = Report(source)
    root = parse_yaml(content, report)
    if root is None:
        raise CalendarError(report.issues)
    calendar = _build(root, report)
    if report.issues or calendar is None:
        raise CalendarError(report.issues)
    return calendar


def load_calendars(paths: list[Path]) -> list[Calendar]:
    """Load several files; calendar ids must be unique across them."""
    calendars: list[Calendar] = []
    issues: list[ConfigIssue] = []
    seen: dict[str, str] = {}
    for path in paths:
        try:
            cal = load_calendar(path)
        except CalendarError as exc:
            issues.extend(exc.errors)
            continue
        if cal.id in seen:
            issues.append(
                ConfigIssue(
                    str(path),
                    None,
                    "calendar.id",
                    f"mã lịch '{cal.id}' đã dùng trong {seen[cal.id]}",
                )
            )
        seen[cal.id] = str(path)
        calendars.append(cal)
    if issues:
        raise CalendarError(issues)
    return calendars


class _Defaults:
    def __init__(self) -> None:
        self.reading = Reading.LITERAL
        self.reminder_time = parse_time("08:00")
        self.working_hours = WorkingHours()
        self.reminders: tuple[ReminderOffset, ...] = tuple(
            parse_offset(o) for o in ("-7d", "-3d", "-1d", "0d")
        )
        self.escalation: tuple[EscalationRule, ...] = (
            EscalationRule(parse_duration("1d"), EscalationTarget.FOCAL_POINT),
            EscalationRule(parse_duration("3d"), EscalationTarget.HEAD),
            EscalationRule(parse_duration("5d"), EscalationTarget.SUPERVISOR),
        )
        self.open_before = 30


def _build(root: Node, report: Report) -> Calendar | None:
    check_keys(root, _TOP, {"calendar", "organisation", "units", "obligations"}, report)
    cal_id, cal_name = _calendar_header(root.child("calendar"), report)
    org = _organisation(root.child("organisation"), report)
    defaults = _defaults(root.child("defaults"), report)
    people = [p for n in _list(root.child("people"), report) if (p := _person(n, report))]
    units = [u for n in _list(root.child("units"), report) if (u := _unit(n, report))]
    days_off = _days(root.child("days_off"), report, saturdays=False)
    saturdays = _days(root.child("working_saturdays"), report, saturdays=True)
    working = _days(root.child("working_days"), report, saturdays=False, working=True)
    sups = [s for n in _list(root.child("supervisors"), report) if (s := _supervisor(n, report))]
    ctx = checks.Context(report, people, units)
    ctx.check_people_and_units(root)
    ctx.check_supervisors(sups, root.child("supervisors"))
    obligations = [
        o for n in _list(root.child("obligations"), report) if (o := obligation(n, defaults, ctx))
    ]
    ctx.check_obligations(obligations, root.child("obligations"))
    if report.issues or org is None or cal_id is None:
        return None
    return Calendar(
        id=cal_id,
        name=cal_name or cal_id,
        organisation=org,
        people=tuple(people),
        units=tuple(units),
        supervisors=tuple(sups),
        obligations=tuple(obligations),
        days_off=tuple(days_off),
        working_saturdays=tuple(saturdays),
        working_days=tuple(working),
        source=report.file,
    )


def _list(node: Node | None, report: Report) -> list[Node]:
    if node is None or node.value is None:
        return []
    if not node.is_list:
        report.error(node, "phải là một danh sách (mỗi mục bắt đầu bằng '- ')")
        return []
    return list(node.items())


def _calendar_header(node: Node | None, report: Report) -> tuple[str | None, str | None]:
    if node is None or not check_keys(node, {"id", "name"}, {"id"}, report):
        return None, None
    return read(node.child("id"), check_id, report, ID_HINT), read(node.child("name"), text, report)


def _organisation(node: Node | None, report: Report) -> Organisation | None:
    if node is None or not check_keys(
        node, {"id", "name", "timezone", "language"}, {"id", "name"}, report
    ):
        return None
    org_id = read(node.child("id"), check_id, report, ID_HINT)
    name = read(node.child("name"), text, report)
    tz = read(node.child("timezone"), _timezone, report, "Asia/Ho_Chi_Minh") or "Asia/Ho_Chi_Minh"
    lang = read(node.child("language"), _language, report, "vi, en") or "vi"
    if org_id is None or name is None:
        return None
    return Organisation(org_id, name, tz, lang)


def _timezone(value: Any) -> str:
    name = text(value)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"múi giờ '{name}' không tồn tại") from None
    return name


def _language(value: Any) -> str:
    lang = text(value)
    if lang not in _LANGS:
        raise ValueError(f"ngôn ngữ '{lang}' không được hỗ trợ")
    return lang


def _defaults(node: Node | None, report: Report) -> _Defaults:
    out = _Defaults()
    if node is None or not check_keys(node, _DEFAULTS, set(), report):
        return out
    out.reading = read(node.child("reading"), Reading, report, "literal, inclusive") or out.reading
    out.reminder_time = read(node.child("reminder_time"), parse_time, report) or out.reminder_time
    out.working_hours = (
        read(node.child("working_hours"), parse_working_hours, report) or out.working_hours
    )
    if (rem := reminders(node.child("reminders"), report)) is not None:
        out.reminders = rem
    if (esc := escalation(node.child("escalation"), report)) is not None:
        out.escalation = esc
    if (days := open_before(node.child("open_before"), report)) is not None:
        out.open_before = days
    reminders_in_hours(
        out.reminders, out.reminder_time, out.working_hours, node.child("reminders") or node, report
    )
    return out


def _person(node: Node, report: Report) -> Person | None:
    if not check_keys(node, _PERSON, {"id", "name"}, report):
        return None
    pid = read(node.child("id"), check_id, report, ID_HINT)
    name = read(node.child("name"), text, report)
    email = read(node.child("email"), check_email, report)
    telegram = read(node.child("telegram"), check_telegram, report)
    lang = read(node.child("language"), _language, report, "vi, en") or "vi"
    phone = read(node.child("phone"), check_phone, report)
    order = read(node.child("channels"), check_channels, report, ", ".join(CHANNELS)) or ()
    if "email" in order and email is None and node.child("email") is None:
        report.error(node.child("channels") or node, "kênh 'email' nhưng người này không có email")
    if pid is None or name is None:
        return None
    return Person(pid, name, email, telegram, lang, phone, order)


def _unit(node: Node, report: Report) -> Unit | None:
    if not check_keys(node, _UNIT, {"id", "name", "kind"}, report):
        return None
    uid = read(node.child("id"), check_id, report, ID_HINT)
    name = read(node.child("name"), text, report)
    kind = read(node.child("kind"), check_id, report, "ví dụ department, district, commune, ward")
    parent = read(node.child("parent"), check_id, report, ID_HINT)
    opened = read(node.child("opened"), parse_date, report, "dd/mm/yyyy")
    closed = read(node.child("closed"), parse_date, report, "dd/mm/yyyy")
    focal = checks.id_list(node.child("focal_point"), report)
    head = read(node.child("head"), check_id, report, ID_HINT)
    successor = read(node.child("successor"), check_id, report, ID_HINT)
    if successor is not None and closed is None:
        report.error(
            node.child("successor"),
            "đơn vị kế thừa chỉ có nghĩa khi đơn vị có ngày giải thể",
            "closed: 01/07/2025",
        )
    if successor is not None and successor == uid:
        report.error(node.child("successor"), "đơn vị không thể kế thừa chính nó")
    if opened and closed and closed <= opened:
        report.error(
            node.child("closed"),
            f"ngày giải thể {closed:%d/%m/%Y} phải sau ngày thành lập {opened:%d/%m/%Y}",
        )
    if uid is None or name is None or kind is None:
        return None
    return Unit(uid, name, kind, parent, opened, closed, tuple(focal), head, successor)


def _supervisor(node: Node, report: Report) -> Supervisor | None:
    if not check_keys(node, {"person", "units"}, {"person", "units"}, report):
        return None
    person = read(node.child("person"), check_id, report, ID_HINT)
    roots = checks.id_list(node.child("units"), report)
    if person is None or not roots:
        return None
    return Supervisor(person, tuple(roots))


def _days(
    node: Node | None, report: Report, *, saturdays: bool, working: bool = False
) -> list[DayOff]:
    out: list[DayOff] = []
    for item in _list(node, report):
        if item.is_map:
            if not check_keys(item, {"date", "name"}, {"date"}, report):
                continue
            day = read(item.child("date"), parse_date, report, "dd/mm/yyyy")
            name = read(item.child("name"), text, report) if item.child("name") else None
            where = item.child("date")
        else:
            day, name, where = read(item, parse_date, report, "dd/mm/yyyy"), None, item
        if day is None:
            continue
        if saturdays and day.weekday() < 5:
            report.error(
                where,
                f"{day:%d/%m/%Y} không phải Thứ Bảy hay Chủ nhật",
                "một ngày cuối tuần được đổi thành ngày làm việc",
            )
            continue
        default = (
            "Ngày làm việc bù"
            if saturdays
            else "Ngày làm việc (không nghỉ lễ)"
            if working
            else "Ngày nghỉ theo lịch của đơn vị"
        )
        out.append(DayOff(day, name or default))
    return out


def load_calendar_data(data: Any, source: str) -> Calendar:
    """A calendar from its document (the YAML's mapping as plain data, see config.document),
    through exactly the checks a YAML file goes through; errors carry no line numbers."""
    report = Report(source)
    if not isinstance(data, dict):
        raise CalendarError([ConfigIssue(source, None, "", "lịch phải là một bảng khóa: giá trị")])
    calendar = _build(Node(data, "", None), report)
    if report.issues or calendar is None:
        raise CalendarError(report.issues)
    return calendar
