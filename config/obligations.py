"""One obligation read from its YAML node, and the schedule fields `defaults:` shares with it.

Apart from `checks` because reading an obligation is about its own fields (period and due
rules that fit it, window, data window, submitters, feeds) and the reminder, escalation
and open_before settings that `defaults:` gives every obligation; `checks` then holds what
spans sections: ids that must exist elsewhere, duplicates, the unit tree.
"""

from __future__ import annotations

import functools
from datetime import time
from typing import Any

from config.checks import Context, id_list
from config.source import Node, Report, check_keys, long_text, read, text
from config.values import (
    ID_HINT,
    check_id,
    parse_date,
    parse_due,
    parse_duration,
    parse_offset,
    parse_range,
    parse_time,
    parse_working_hours,
)
from deadlines.bounds import FIRST_YEAR, LAST_YEAR, check_year, shown
from deadlines.model import (
    DataWindow,
    DueRule,
    EscalationRule,
    EscalationTarget,
    Obligation,
    PeriodKind,
    Reading,
    ReceiverChange,
    ReminderOffset,
    Submitters,
    WorkingHours,
)
from deadlines.periods import QUARTER_SLOTS, SEMIANNUAL_SLOTS

_OBLIGATION = {
    "id",
    "name",
    "period",
    "due",
    "window",
    "data_window",
    "reading",
    "submitters",
    "receiver",
    "feeds",
    "reminders",
    "escalation",
    "reminder_time",
    "working_hours",
    "open_before",
    "from_year",
    "until_year",
    "source",
}
_SUBMITTERS = {"kinds", "units", "subtrees", "exclude"}
_PERIOD_HINT = ", ".join(k.value for k in PeriodKind)


def reminders(node: Node | None, report: Report) -> tuple[ReminderOffset, ...] | None:
    if node is None:
        return None
    if not node.is_list:
        report.error(node, "phải là danh sách mốc nhắc", "[-7d, -3d, -1d, 0d]")
        return None
    out = [o for item in node.items() if (o := read(item, parse_offset, report))]
    return tuple(out)


def escalation(node: Node | None, report: Report) -> tuple[EscalationRule, ...] | None:
    if node is None:
        return None
    if not node.is_list:
        report.error(node, "phải là danh sách bước đôn đốc", "- {after: 1d, to: head}")
        return None
    steps: list[EscalationRule] = []
    previous = None
    for item in node.items():
        if not check_keys(item, {"after", "to"}, {"after", "to"}, report):
            continue
        after = read(item.child("after"), parse_duration, report)
        to = read(item.child("to"), EscalationTarget, report, "focal_point, head, supervisor")
        if after is not None and after.total_seconds() <= 0:
            report.error(item.child("after"), "bước đôn đốc phải sau hạn nộp", "1d, 12h")
            continue
        if after is not None and previous is not None and after <= previous:
            report.error(
                item.child("after"), "các bước đôn đốc phải theo thứ tự thời gian tăng dần"
            )
            continue
        if after is not None and to is not None:
            steps.append(EscalationRule(after, to))
            previous = after
    return tuple(steps)


def reminders_in_hours(
    offsets: tuple[ReminderOffset, ...],
    default_time: time,
    hours: WorkingHours,
    where: Node,
    report: Report,
) -> None:
    """A reminder must be set inside working hours, or deferral could push it past the end."""
    for offset in offsets:
        clock = offset.at or default_time
        if not hours.start <= clock < hours.end:
            report.error(
                where,
                f"giờ nhắc {clock:%H:%M} nằm ngoài giờ làm việc "
                f"{hours.start:%H:%M}-{hours.end:%H:%M}",
            )
            return


def open_before(node: Node | None, report: Report) -> int | None:
    duration = read(node, parse_duration, report, "30d")
    if duration is None:
        return None
    if duration.days < 1:
        report.error(node, "chu kỳ phải mở ít nhất 1 ngày trước hạn", "30d")
        return None
    return duration.days


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{shown(value)} không phải năm ({FIRST_YEAR}-{LAST_YEAR})")
    return check_year(value)


def _due_rules(node: Node | None, kind: PeriodKind | None, report: Report) -> list[DueRule] | None:
    if kind is None:
        return None
    if node is None:  # only a campaign may omit `due`; the caller reports the others
        return [] if kind is PeriodKind.CAMPAIGN else None
    slots = {PeriodKind.SEMIANNUAL: SEMIANNUAL_SLOTS, PeriodKind.QUARTERLY: QUARTER_SLOTS}
    if node.is_map:
        allowed = slots.get(kind)
        if allowed is None:
            report.error(node, f"kỳ '{kind.value}' chỉ có một hạn nộp, không dùng bảng theo kỳ")
            return None
        rules = []
        for key, child in node.entries():
            if key not in allowed:
                report.error(
                    child, f"kỳ '{key}' không có trong kỳ {kind.value}", ", ".join(allowed)
                )
                continue
            if (rule := read(child, functools.partial(parse_due, slot=key), report)) is not None:
                rules.append(rule)
        return rules
    rule = read(node, parse_due, report)
    if rule is None:
        return None
    if kind is PeriodKind.SEMIANNUAL and rule.on is not None:
        report.error(
            node, "báo cáo 6 tháng cần ghi rõ kỳ", "{H1: before 15/06} hoặc {H1: ..., H2: ...}"
        )
        return None
    return [rule]


def _check_due_form(
    node: Node | None, kind: PeriodKind, rules: list[DueRule], report: Report
) -> bool:
    for rule in rules:
        if kind is PeriodKind.ONE_OFF and rule.exact is None:
            report.error(node, "báo cáo đột xuất cần ngày đầy đủ", "before 25/02/2017")
            return False
        if kind is not PeriodKind.ONE_OFF and rule.exact is not None:
            report.error(
                node,
                f"hạn có năm chỉ dùng cho kỳ one_off; kỳ {kind.value} lặp lại mỗi năm",
                "before 25/02",
            )
            return False
        if kind is PeriodKind.MONTHLY and rule.day_of_month is None:
            report.error(
                node,
                "báo cáo tháng cần hạn theo ngày trong tháng",
                "before day 20, before day 5 next month",
            )
            return False
        if kind in (PeriodKind.ANNUAL, PeriodKind.CAMPAIGN) and rule.on is None:
            report.error(node, f"kỳ {kind.value} cần hạn dạng ngày/tháng", "before 15/12")
            return False
    return True


def obligation(node: Node, defaults: Any, ctx: Context) -> Obligation | None:
    report = ctx.report
    if not check_keys(
        node, _OBLIGATION, {"id", "name", "period", "submitters", "receiver"}, report
    ):
        return None
    oid = read(node.child("id"), check_id, report, ID_HINT)
    name = read(node.child("name"), text, report)
    kind = read(node.child("period"), PeriodKind, report, _PERIOD_HINT)
    due_node = node.child("due")
    if due_node is None and kind not in (None, PeriodKind.CAMPAIGN):
        report.error(node, "thiếu khóa bắt buộc 'due' (hạn nộp)", "before 15/06")
    due = (
        _due_rules(due_node, kind, report)
        if due_node is not None or kind is PeriodKind.CAMPAIGN
        else None
    )
    if due is not None and kind is not None and not _check_due_form(due_node, kind, due, report):
        due = None
    window = None
    if (wnode := node.child("window")) is not None:
        window = read(wnode, parse_range, report, "15/11 - 15/12")
        if kind is not None and kind is not PeriodKind.CAMPAIGN:
            report.error(wnode, "chỉ kỳ campaign mới có 'window'")
    elif kind is PeriodKind.CAMPAIGN:
        report.error(node, "đợt cao điểm (campaign) cần 'window'", "window: 15/11 - 15/12")
    data_window = _data_window(node.child("data_window"), report)
    reading = read(node.child("reading"), Reading, report, "literal, inclusive") or defaults.reading
    subs = _submitters(node.child("submitters"), report)
    receiver, changes = _receivers(node.child("receiver"), report)
    feeds = read(node.child("feeds"), _feeds, report, "mã nghĩa vụ, hoặc lich/nghia-vu")
    rem = reminders(node.child("reminders"), report)
    esc = escalation(node.child("escalation"), report)
    rtime = read(node.child("reminder_time"), parse_time, report) or defaults.reminder_time
    hours = read(node.child("working_hours"), parse_working_hours, report) or defaults.working_hours
    opens = open_before(node.child("open_before"), report)
    from_year = read(node.child("from_year"), _year, report)
    until_year = read(node.child("until_year"), _year, report)
    if from_year and until_year and until_year < from_year:
        report.error(
            node.child("until_year"), f"năm kết thúc {until_year} trước năm bắt đầu {from_year}"
        )
    source = read(node.child("source"), long_text, report)
    offsets = rem if rem is not None else defaults.reminders
    overrides = [node.child(k) for k in ("reminders", "reminder_time", "working_hours")]
    if any(n is not None for n in overrides):  # defaults were checked where they are written
        where = next(n for n in overrides if n is not None)
        reminders_in_hours(offsets, rtime, hours, where, report)
    if None in (oid, name, kind, due, subs, receiver) or (
        kind is PeriodKind.CAMPAIGN and window is None
    ):
        return None
    assert oid and name and kind and due is not None and subs and receiver
    ctx.obligation_nodes[oid] = node
    return Obligation(
        id=oid,
        name=name,
        period=kind,
        due=tuple(due),
        submitters=subs,
        receiver=receiver,
        reading=reading,
        window=window,
        data_window=data_window,
        feeds=feeds,
        reminders=offsets,
        escalation=esc if esc is not None else defaults.escalation,
        working_hours=hours,
        reminder_time=rtime,
        open_before=opens if opens is not None else defaults.open_before,
        from_year=from_year,
        until_year=until_year,
        source=source,
        receivers=changes,
    )


_RECEIVER_HINT = "mã đơn vị, parent, hoặc danh sách - {unit: so-noi-vu, from: 01/03/2025}"


def _receivers(node: Node | None, report: Report) -> tuple[str | None, tuple[ReceiverChange, ...]]:
    """`receiver:` as one unit id, `parent`, or a list of receivers by date (the first
    without `from`, each later one from its date on, in date order)."""
    if node is None or not node.is_list:
        return read(node, check_id, report, _RECEIVER_HINT), ()
    first: str | None = None
    changes: list[ReceiverChange] = []
    for i, item in enumerate(node.items()):
        if not item.is_map or not check_keys(item, {"unit", "from"}, {"unit"}, report):
            if not item.is_map:
                report.error(item, "mỗi nơi nhận là một bảng", _RECEIVER_HINT)
            return None, ()
        unit = read(item.child("unit"), check_id, report, _RECEIVER_HINT)
        since = read(item.child("from"), parse_date, report, "dd/mm/yyyy")
        if i == 0:
            if item.child("from") is not None:
                report.error(item.child("from"), "nơi nhận đầu tiên không cần 'from'")
            first = unit
            continue
        if item.child("from") is None:
            report.error(item, "nơi nhận sau cần ngày bắt đầu 'from'", "from: 01/07/2025")
            return None, ()
        if unit is None or since is None:
            return None, ()
        if changes and since <= changes[-1].since:
            report.error(item.child("from"), "các nơi nhận phải theo thứ tự ngày tăng dần")
            return None, ()
        changes.append(ReceiverChange(since, unit))
    if first is None:
        report.error(node, "danh sách nơi nhận trống", _RECEIVER_HINT)
    return first, tuple(changes)


def _feeds(value: Any) -> str:
    parts = text(value).split("/")
    if len(parts) > 2:
        raise ValueError(f"'{value}' phải là mã nghĩa vụ hoặc lich/nghia-vu")
    for part in parts:
        check_id(part)
    return "/".join(parts)


def _data_window(node: Node | None, report: Report) -> DataWindow | None:
    if node is None:
        return None
    if isinstance(node.value, str) and node.value.strip().lower() in ("nd09", "nđ09"):
        return DataWindow(nd09=True)
    pair = read(node, parse_range, report, "nd09, hoặc 15/12 - 14/06")
    return DataWindow(pair[0], pair[1]) if pair else None


def _submitters(node: Node | None, report: Report) -> Submitters | None:
    if node is None or not check_keys(node, _SUBMITTERS, set(), report):
        return None
    subs = Submitters(
        kinds=tuple(id_list(node.child("kinds"), report)),
        units=tuple(id_list(node.child("units"), report)),
        subtrees=tuple(id_list(node.child("subtrees"), report)),
        exclude=tuple(id_list(node.child("exclude"), report)),
    )
    if not (subs.kinds or subs.units or subs.subtrees):
        report.error(node, "chưa chọn đơn vị nộp nào", "kinds, units hoặc subtrees")
        return None
    return subs
