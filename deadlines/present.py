"""One presentation of a deadline, used by every output a person reads: dashboard pages,
`hanchot status`, emails, Telegram, digests and their .xlsx, matrix exports, .ics.

A legal end is stored as an exclusive instant (24:00 local of the last day); a person
reads the last day: "hết ngày Thứ Hai, 14/12/2026". Days left or overdue follow one rule,
stated in `DAYS_RULE`: calendar days between today and the last day, in the calendar's
time zone (the count a person makes on a wall calendar; holidays count). Reminders and
escalations are counted separately, and every status, unit kind and workflow step has
Vietnamese words here, so no code (`mass_organisation`, `remind:-3d`) reaches a reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from deadlines.expected import DeadlineStatus
from deadlines.workdays import weekday_vi

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DAYS_RULE = "Số ngày tính theo ngày lịch (kể cả ngày nghỉ), đến hết ngày hạn cuối."

KIND_VI = {
    "province": "cấp tỉnh",
    "department": "sở, ban, ngành",
    "mass_organisation": "tổ chức chính trị - xã hội",
    "district": "huyện, thị xã, thành phố",
    "town": "thị xã",
    "city": "thành phố",
    "commune": "xã",
    "ward": "phường",
    "township": "thị trấn",
}
ROLE_VI = {
    "focal_point": "cán bộ đầu mối",
    "head": "thủ trưởng đơn vị",
    "supervisor": "lãnh đạo phụ trách",
}
_STEP_KIND_VI = {
    "receipt": "xác nhận đã nhận báo cáo",
    "extension-request": "đề nghị gia hạn",
    "extension-decision": "quyết định gia hạn",
    "excused": "thông báo miễn nộp",
    "link": "liên kết tài khoản",
    "channel-disabled": "thông báo kênh đã tắt",
    "quarantined": "thông báo trả lời bị cách ly",
}
_REMIND = re.compile(r"^remind:(?P<days>[+-]?\d+)d(?:@(?P<at>\d\d:\d\d))?$")
_EXTENDED = re.compile(r"^ext\d+:(?P<rest>.+)$")
_RESENT = re.compile(r"^resend:(?P<n>\d+):(?P<rest>.+)$")
_ESCALATE = re.compile(r"^escalate:(?P<n>\d+):(?P<to>[a-z_]+)$")


def last_day(due_at: datetime, tz: ZoneInfo = TZ) -> date:
    """The last day of a legal end stored as an exclusive instant (24:00 local)."""
    return (due_at - timedelta(seconds=1)).astimezone(tz).date()


def day_text(day: date) -> str:
    """ "Thứ Hai, 14/12/2026"."""
    return f"{weekday_vi(day)}, {day:%d/%m/%Y}"


def due_text(day: date) -> str:
    """The deadline in force as a person reads it: "hết ngày Thứ Hai, 14/12/2026"."""
    return f"hết ngày {day_text(day)}"


def asked_last_day(due_at: datetime, days: int, tz: ZoneInfo = TZ) -> date:
    """The last day an extension of `days` would give, before rolling over days off (the
    workflow's replan may move it to the next working day)."""
    return last_day(due_at, tz) + timedelta(days=days)


def days_left(day: date, today: date) -> int:
    """Calendar days from today to the last day (see DAYS_RULE); negative once overdue."""
    return (day - today).days


def days_text(day: date, today: date) -> str:
    left = days_left(day, today)
    if left > 1:
        return f"còn {left} ngày"
    if left == 1:
        return "ngày mai là hạn cuối"
    if left == 0:
        return "hôm nay là hạn cuối"
    return f"quá hạn {-left} ngày"


def sent_text(reminders: int, escalations: int) -> str:
    """ "đã nhắc 2 lần, đôn đốc 1 lần" — both counted, never one hiding the other."""
    return f"đã nhắc {reminders} lần, đôn đốc {escalations} lần"


def status_text(status: DeadlineStatus | str) -> str:
    return DeadlineStatus(status).label_vi()


def kind_text(kind: str | None) -> str:
    """A unit kind in words; an unknown kind reads as a kind, not as a code."""
    if not kind:
        return "—"
    return KIND_VI.get(kind, kind.replace("_", " "))


def step_text(step: str) -> str:
    """A workflow step in words: `remind:-3d` -> "nhắc trước hạn 3 ngày"; the steps of an
    extended timeline (`ext1:remind:-3d`) read as the step, counted from the new deadline."""
    if m := _EXTENDED.match(step):
        return step_text(m["rest"])
    if m := _REMIND.match(step):
        n = int(m["days"])
        text = (
            f"nhắc trước hạn {-n} ngày"
            if n < 0
            else f"nhắc sau hạn {n} ngày"
            if n > 0
            else "nhắc vào ngày hạn cuối"
        )
        return text + (f", lúc {m['at']}" if m["at"] else "")
    if m := _ESCALATE.match(step):
        return f"đôn đốc lần {m['n']} ({ROLE_VI.get(m['to'], m['to'].replace('_', ' '))})"
    if m := _RESENT.match(step):
        return f"gửi lại lần {m['n']}: {step_text(m['rest'])}"
    if step.startswith("manual:"):
        return "nhắc do cán bộ điều phối gửi"
    if step.startswith("snooze:"):
        return "nhắc lại sau khi hoãn"
    if step.startswith("digest:"):
        kind = step.split(":")[1] if step.count(":") >= 1 else ""
        return "bản tổng hợp hằng tuần" if kind == "weekly" else "bản tổng hợp"
    head = step.split(":", 1)[0]
    return _STEP_KIND_VI.get(head, head.replace("_", " ").replace("-", " "))


def next_text(step: str | None, at: datetime | None, tz: ZoneInfo = TZ) -> str:
    """The next step in words: "nhắc trước hạn 3 ngày lúc 08:00 ngày 09/12/2026"."""
    if not step or at is None:
        return "không còn bước nào"
    local = at.astimezone(tz)
    return f"{step_text(step)} lúc {local:%H:%M} ngày {local:%d/%m/%Y}"


@dataclass(frozen=True, slots=True)
class Presented:
    """Every fact about one deadline an output shows, in its words."""

    last_day: date
    due: str
    days_left: int
    days: str
    status: str
    sent: str
    reminders: int
    escalations: int


def present(
    status: DeadlineStatus | str,
    due_at: datetime,
    today: date,
    reminders: int = 0,
    escalations: int = 0,
    tz: ZoneInfo = TZ,
) -> Presented:
    day = last_day(due_at, tz)
    return Presented(
        last_day=day,
        due=due_text(day),
        days_left=days_left(day, today),
        days=days_text(day, today),
        status=status_text(status),
        sent=sent_text(reminders, escalations),
        reminders=reminders,
        escalations=escalations,
    )
