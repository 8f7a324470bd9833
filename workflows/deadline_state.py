"""Pure decisions of a UnitDeadline: its status at an instant, which timers remain, how a
snooze or an extension reshapes them. Deterministic, no Temporal calls, tested directly.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date, datetime, timedelta
from typing import Any

from boundary.types import Step, Timeline, UnitDeadlineInput
from deadlines import bounds
from deadlines.opening import derive_status as derive_status  # re-exported: shared rules
from deadlines.opening import order_steps, reopen_pending

REFUSALS = {
    "request_id": "thiếu mã yêu cầu (request_id)",
    "closed": "kỳ báo cáo đã đóng đối với hạn nộp này",
    "already_submitted": "báo cáo đã được ghi nhận; muốn nộp lại thì mở lại trước",
    "excused": "đơn vị đã được miễn nộp; muốn nộp thì mở lại trước",
    "future": "thời điểm nộp nằm trong tương lai",
    "settled": "không thể thực hiện: hạn nộp đang ở trạng thái {status}",
    "pending_extension": "đã có một đề nghị gia hạn đang chờ quyết định",
    "extension_days": "số ngày gia hạn phải từ 1 đến {max}",
    "reason": "cần ghi lý do",
    "no_pending_extension": "không có đề nghị gia hạn nào đang chờ quyết định",
    "other_extension": "đề nghị đang chờ là {request}",
    "new_last_day": "hạn mới phải là một ngày (yyyy-mm-dd) sau {day}",
    "too_long": "{field} dài quá {max} ký tự",
    "instant": "{field} nằm ngoài khoảng {first} – {last}",
    "replan": "không tính được hạn mới ({day}); đề nghị gia hạn vẫn chờ quyết định",
    "snooze_hours": "số giờ nhắc lại phải từ 1 đến {max}",
    "snooze_count": "chỉ được hoãn nhắc tối đa {max} lần cho mỗi hạn nộp",
    "no_reminder": "không còn lần nhắc nào để hoãn",
    "nothing_to_reopen": "không có gì để mở lại: hạn nộp đang ở trạng thái {status}",
}
"""Why an update was refused, as the person who sent it reads it (bot, web page, CLI)."""


def refusal(key: str, **values: object) -> ValueError:
    return ValueError(REFUSALS[key].format(**values))


SNOOZE_MAX_HOURS = bounds.SNOOZE_MAX_HOURS
SNOOZE_MAX_COUNT = 3
EXTENSION_MAX_DAYS = bounds.EXTENSION_MAX_DAYS
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


_LIMITS = {
    "request_id": bounds.REQUEST_ID_MAX,
    "extension_request_id": bounds.REQUEST_ID_MAX,
    "by": bounds.ACTOR_MAX,
    "channel": bounds.ID_MAX,
}
"""Fields that name rather than say: an id's length, not a paragraph's."""
FIELDS_VI = {
    "request_id": "mã yêu cầu",
    "extension_request_id": "mã đề nghị gia hạn",
    "by": "người thực hiện",
    "channel": "kênh",
    "document_number": "số văn bản",
    "note": "ghi chú",
    "reason": "lý do",
    "submitted_at": "nộp lúc",
    "new_last_day": "hạn mới",
}


def check_request(req: Any) -> None:
    """Every text and instant of an update within deadlines.bounds, whichever client sent
    it: the validators are the last entry point before history."""
    first, last = bounds.EARLIEST_DATE, bounds.LATEST_DATE
    for f in dataclasses.fields(req):
        value = getattr(req, f.name)
        limit = _LIMITS.get(f.name, bounds.TEXT_MAX)
        if isinstance(value, str) and len(value) > limit:
            raise refusal("too_long", field=FIELDS_VI.get(f.name, f.name), max=limit)
        if isinstance(value, datetime) and not first <= value.date() <= last:
            raise refusal(
                "instant",
                field=FIELDS_VI.get(f.name, f.name),
                first=f"{first:%d/%m/%Y}",
                last=f"{last:%d/%m/%Y}",
            )


def day_vi(iso: str) -> str:
    """dd/mm/yyyy of an ISO day, or the text as given when it is not one."""
    try:
        return f"{date.fromisoformat(iso):%d/%m/%Y}"
    except ValueError:
        return iso[:40]


def check_days_granted(days: int, current_last_day: str) -> None:
    """Approving the days asked: the last day they lead to within bounds as well."""
    current = date.fromisoformat(current_last_day)
    bounds.check_new_last_day(current + timedelta(days=days), current)


def check_new_last_day(day: str, current_last_day: str) -> None:
    """A coordinator's new last day (ISO): a real day after the current one, within the
    bounds every entry point holds it to, so re-planning it can never overflow."""
    try:
        new = date.fromisoformat(day) if _ISO_DAY.fullmatch(day) else None
    except ValueError:
        new = None
    current = date.fromisoformat(current_last_day)
    if new is None:
        raise refusal("new_last_day", day=f"{current:%d/%m/%Y}")
    bounds.check_new_last_day(new, current)


def status_boundaries(opens_at: datetime, timeline: Timeline) -> list[datetime]:
    """Instants at which the status may change without any message arriving."""
    return [opens_at, timeline.due_soon_at, timeline.legal_end_at]


def adopt_extension(new: Timeline, now: datetime) -> list[Step]:
    """The timers of an extended timeline still to come: past ones are pointless now."""
    return order_steps([s for s in new.steps if s.at > now])


def plan_snooze(
    pending: list[Step], slot: datetime, legal_end_at: datetime, count: int
) -> tuple[list[Step], Step | None]:
    """Reminders before `slot` are held back and one reminder is set at `slot`.

    Bounded: the last reminder before the legal end is never held back (a snooze cannot
    silence the final warning) and escalations are never moved. Returns the new pending
    list and the snooze step (None when the slot is at or after the final reminder).
    """
    reminders = [s for s in pending if s.kind == "remind" and s.at < legal_end_at]
    final = reminders[-1] if reminders else None
    kept = [s for s in pending if s.kind != "remind" or s.at >= slot or s is final]
    if final is not None and slot >= final.at:
        return order_steps(kept), None
    if slot >= legal_end_at:
        return order_steps(kept), None
    step = Step(key=f"snooze:{count}", kind="remind", at=slot, offset_days=0)
    return order_steps([*kept, step]), step


def revised_pending(timeline: Timeline, done: list[str], now: datetime) -> list[Step]:
    """The steps still to come after a revision re-planned the timeline: none already done
    (by key) is done again, and reminders whose time has passed are skipped."""
    kept = [s for s in timeline.steps if s.key not in done]
    return reopen_pending(kept, now)[0]


def notification_payload(
    inp: UnitDeadlineInput, timeline: Timeline, kind: str, step: str, details: dict[str, Any]
) -> dict[str, Any]:
    """What the notifier needs to render a message, as data: it owns the Vietnamese text."""
    cycle = inp.cycle
    return {
        "kind": kind,
        "step": step,
        "calendar": cycle.calendar_id,
        "obligation": cycle.obligation_id,
        "obligation_name": cycle.obligation_name,
        "period": cycle.period_id,
        "period_label": cycle.period_label,
        "due_text": cycle.due_text,
        "unit": inp.unit_id,
        "unit_name": inp.unit_name,
        "legal_end": timeline.legal_end,
        "due_at": timeline.legal_end_at.isoformat(),
        "data_window": cycle.data_window,
        "details": details,
    }
