"""Vietnamese display of values on pages and in exports: dates dd/mm/yyyy, local times in
Asia/Ho_Chi_Minh, legal ends as "hết ngày …", rates with a decimal comma, statuses in
words, and what each timeline event means.
"""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from deadlines import present
from deadlines.expected import DeadlineStatus, format_rate

TZ = ZoneInfo("Asia/Ho_Chi_Minh")

STATUS_CLASS = {
    DeadlineStatus.SCHEDULED: "st-scheduled",
    DeadlineStatus.OPEN: "st-open",
    DeadlineStatus.DUE_SOON: "st-due-soon",
    DeadlineStatus.OVERDUE: "st-overdue",
    DeadlineStatus.SUBMITTED_ON_TIME: "st-on-time",
    DeadlineStatus.SUBMITTED_LATE: "st-late",
    DeadlineStatus.EXTENDED: "st-extended",
    DeadlineStatus.EXCUSED: "st-excused",
    DeadlineStatus.MISSING: "st-missing",
}

EVENT_VI = {
    "opened": "Mở hạn nộp",
    "status": "Đổi trạng thái",
    "reminded": "Nhắc việc",
    "escalated": "Đôn đốc",
    "extension_requested": "Xin gia hạn",
    "extension_decided": "Quyết định gia hạn",
    "acknowledged": "Xác nhận đã nhận nhắc",
    "snoozed": "Hoãn nhắc",
    "excused": "Miễn nộp",
    "reopened": "Mở lại",
    "closed": "Đóng hạn nộp",
    "submission": "Nộp báo cáo",
    "reminder": "Thư nhắc việc",
    "escalation": "Thư đôn đốc",
    "receipt": "Thư xác nhận đã nhận",
    "extension_decided_msg": "Thư báo quyết định gia hạn",
    "applied": "Trả lời đã xử lý",
    "quarantined": "Trả lời bị cách ly",
    "refused": "Trả lời bị từ chối",
    "evidence_replaced": "Thay tệp báo cáo",
    "evidence_added": "Bổ sung tệp báo cáo",
    "resent": "Gửi lại tin",
    "reminded_overdue": "Nhắc các đơn vị quá hạn",
}
SOURCE_VI = {
    "audit": "Quy trình",
    "outbox": "Tin gửi đi",
    "inbound": "Tin nhận",
    "submission": "Báo cáo",
}
CHANNEL_VI = {
    "email": "Email",
    "telegram": "Telegram",
    "zalo": "Zalo",
    "web": "Trang nộp",
    "cli": "Dòng lệnh",
}
ALL_CHANNELS = "mọi kênh người này có, cùng lúc"
"""No preferred order: every message on each channel the person has."""


def channels_vi(value: Any) -> str:
    """A preferred channel order in words: ["zalo", "email"] -> "Zalo, rồi Email"."""
    names = as_names(value)
    if not names:
        return ALL_CHANNELS
    words = [CHANNEL_VI.get(n, n) for n in names]
    return f"Chỉ {words[0]}" if len(words) == 1 else ", rồi ".join(words)


def as_names(value: Any) -> list[str]:
    items = value if isinstance(value, (list, tuple)) else str(value or "").split(",")
    return [n for n in (str(i).strip().lower() for i in items) if n]


OUTBOX_STATUS_VI = {
    "pending": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "failed": "Gửi lỗi",
    "disabled": "Kênh đã tắt",
}
ROLE_TO_VI = {
    "focal_point": "cán bộ đầu mối",
    "head": "thủ trưởng đơn vị",
    "supervisor": "lãnh đạo phụ trách",
}


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = value.astimezone(TZ).date()
    return f"{value:%d/%m/%Y}"


def fmt_datetime(value: datetime | None) -> str:
    return "—" if value is None else f"{value.astimezone(TZ):%d/%m/%Y %H:%M}"


def fmt_due(value: datetime | None) -> str:
    """A legal end is 24:00 local of its last day: show that day as a person reads it."""
    if value is None:
        return "—"
    return present.due_text(present.last_day(value, TZ))


def due_day(value: datetime) -> date:
    return present.last_day(value, TZ)


def asked_due(value: datetime, days: int) -> str:
    """What an extension of `days` on the deadline in force would make it."""
    return present.due_text(present.asked_last_day(value, days, TZ))


def sent(deadline: Any) -> str:
    """ "đã nhắc 2 lần, đôn đốc 1 lần" of anything with reminders_sent, escalations_sent."""
    return present.sent_text(deadline.reminders_sent, deadline.escalations_sent)


def days_left_text(value: datetime | None, now: datetime | None = None) -> str:
    """ "còn 3 ngày" / "quá hạn 2 ngày" by the one rule in deadlines.present."""
    if value is None:
        return "—"
    today = (now or datetime.now(TZ)).astimezone(TZ).date()
    return present.days_text(present.last_day(value, TZ), today)


@jinja2.pass_context
def _days_left_filter(context: Any, value: datetime | None) -> str:
    """On a page: counted to the app's clock (the server's time under time-skipping)."""
    request = context.get("request")
    hanchot = getattr(getattr(getattr(request, "app", None), "state", None), "hanchot", None)
    return days_left_text(value, hanchot.clock() if hanchot is not None else None)


def fmt_rate(rate: float | None) -> str:
    return format_rate(rate)


def fmt_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB".replace(".", ",")
    return f"{size / 1024 / 1024:.1f} MB".replace(".", ",")


def status_label(status: DeadlineStatus | str) -> str:
    return DeadlineStatus(status).label_vi()


@functools.cache  # the matrix asks thousands of times a page; the enum call is slow
def status_class(status: DeadlineStatus | str) -> str:
    return STATUS_CLASS[DeadlineStatus(status)]


@functools.cache
def status_badge(status: DeadlineStatus | str) -> Markup:
    """The status as its coloured label (macros.html `status`), built once per status: the
    matrix shows thousands of them a page."""
    st = DeadlineStatus(status)
    return Markup('<span class="status {}">{}</span>').format(STATUS_CLASS[st], st.label_vi())


def event_label(source: str, kind: str) -> str:
    if source == "outbox" and kind == "extension_decided":
        return EVENT_VI["extension_decided_msg"]
    if source == "outbox" and kind not in EVENT_VI:
        return f"Tin gửi đi ({kind})"
    return EVENT_VI.get(kind, kind)


def event_text(event: Any) -> str:
    """One line saying what happened, from the event's details (never markup)."""
    d = event.details
    kind = event.kind
    if event.source == "outbox":
        channel = CHANNEL_VI.get(d.get("channel", ""), d.get("channel", ""))
        state = OUTBOX_STATUS_VI.get(d.get("status", ""), d.get("status", ""))
        text = f"{channel} tới {event.by} <{d.get('address', '')}> — {state}"
        return text + (f": {d['error']}" if d.get("error") else "")
    if event.source == "inbound":
        channel = CHANNEL_VI.get(d.get("channel", ""), d.get("channel", ""))
        text = f"{channel} từ {event.by}" + (f" — {d['reason']}" if d.get("reason") else "")
        return text + (f" — {d['resolution']}" if d.get("resolution") else "")
    if event.source == "submission":
        if d.get("recorded_by"):
            who = str(d["recorded_by"]).removeprefix("web:").removeprefix("cli:")
            parts = [f"Cán bộ điều phối ghi nhận thay đơn vị ({who})"]
        else:
            parts = [CHANNEL_VI.get(d.get("channel", ""), d.get("channel", ""))]
            if event.by:
                parts.append(f"người nộp: {event.by}")
        if d.get("document_number"):
            parts.append(f"số văn bản: {d['document_number']}")
        if d.get("note"):
            parts.append(f"ghi chú: {d['note']}")
        return "; ".join(parts)
    if kind in ("reminded", "escalated"):
        to = ROLE_TO_VI.get(d.get("to", ""), d.get("to", ""))
        text = f"gửi {to}" if to else ""
        if d.get("deferred_because"):
            text += f" (dời vì {d['deferred_because']})"
        return text
    if kind == "opened":
        return _opened_text(d)
    if kind == "status":
        return f"{_status_word(d.get('from'))} → {_status_word(d.get('to'))}"
    if kind == "extension_requested":
        return f"{d.get('days', '?')} ngày — lý do: {d.get('reason', '')}"
    if kind == "extension_decided":
        if d.get("approved"):
            return (
                f"Đồng ý, hạn mới {fmt_date(date.fromisoformat(d['new_last_day']))}"
                if d.get("new_last_day")
                else "Đồng ý"
            )
        return "Không đồng ý" + (f": {d['note']}" if d.get("note") else "")
    if kind in ("evidence_replaced", "evidence_added"):
        text = ", ".join(f["file_name"] for f in d.get("files", []))
        gone = ", ".join(f["file_name"] for f in d.get("replaced", []))
        return text + (f" (thay cho {gone})" if gone else "")
    if kind in ("excused", "reopened"):
        return f"lý do: {d.get('reason', '')}" if d.get("reason") else ""
    if kind == "closed":
        return f"trạng thái cuối: {_status_word(d.get('to'))}"
    if kind == "snoozed":
        return f"{d.get('hours', '?')} giờ"
    return ""


def _opened_text(d: dict[str, Any]) -> str:
    """What a deadline that opened after some of its steps did with them (deadlines.catchup):
    those skipped, never sent, and the one catch-up of each ladder."""
    parts = []
    if d.get("skipped"):
        steps = ", ".join(present.step_text(str(k)) for k in d["skipped"])
        parts.append(f"mở sau thời điểm của các bước đã qua, không gửi: {steps}")
    for caught in d.get("catch_up") or []:
        at = fmt_datetime(datetime.fromisoformat(caught["at"]))
        parts.append(f"gửi bù {present.step_text(caught['step'])} lúc {at}")
    return "; ".join(parts)


def _status_word(value: str | None) -> str:
    try:
        return DeadlineStatus(value).label_vi() if value else "—"
    except ValueError:
        return value or "—"


FILTERS = {
    "d": fmt_date,
    "dt": fmt_datetime,
    "due": fmt_due,
    "rate": fmt_rate,
    "size": fmt_size,
    "status_label": status_label,
    "status_class": status_class,
    "status_badge": status_badge,
    "days_left": _days_left_filter,
    "asked_due": asked_due,
    "sent": sent,
    "kind": present.kind_text,
    "channels": channels_vi,
    "step": present.step_text,
}
