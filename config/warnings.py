"""What `hanchot check` warns about in a calendar that loads: things that are valid but
almost certainly not what the coordinator meant (a report still sent to a receiver that
has closed, an escalation to a head some units do not have, a data window that ends after
the report is due, a working day cancelling no holiday). Warnings never stop a calendar.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date

from config.errors import ConfigIssue
from config.source import Node, Report, parse_yaml
from deadlines.expected import owed_reports, selected_units
from deadlines.model import PARENT, Calendar, EscalationTarget, Obligation
from deadlines.periods import periods_in_year
from deadlines.timeline import plan_cycle
from deadlines.workdays import HOLIDAYS_VERSION, WorkCalendar

_SHOWN = 6


def calendar_warnings(calendar: Calendar, content: str | None = None) -> list[ConfigIssue]:
    """The warnings of a loaded calendar; with the file's `content`, each names its line
    and the field's path as errors do ("obligations[0].receiver")."""
    out = _warnings(calendar)
    root = parse_yaml(content, Report(calendar.source)) if content is not None else None
    return [_locate(issue, root) for issue in out] if root is not None else out


_FIELD = re.compile(r"^(?P<section>\w+)\[(?P<id>[^\]]+)\]\.(?P<key>\w+)$")


def _locate(issue: ConfigIssue, root: Node) -> ConfigIssue:
    """ "obligations[bc].receiver" -> the node of that key in the item whose id is bc."""
    found = _FIELD.match(issue.field)
    node: Node | None = None
    if found is None:
        node = root.child(issue.field)
    else:
        section = root.child(found["section"])
        for item in section.items() if section is not None else ():
            ident = item.child("id")
            if ident is not None and str(ident.value) == found["id"]:
                node = item.child(found["key"]) or item
                break
    if node is None:
        return issue
    return dataclasses.replace(issue, line=node.line, field=node.path)


def _warnings(calendar: Calendar) -> list[ConfigIssue]:
    out: list[ConfigIssue] = []
    for ob in calendar.obligations:
        out.extend(_closed_receivers(calendar, ob))
        out.extend(_heads(calendar, ob))
        out.extend(_data_window(calendar, ob))
    out.extend(_successors(calendar))
    out.extend(_working_days(calendar))
    return out


def _issue(calendar: Calendar, field: str, message: str, hint: str | None = None) -> ConfigIssue:
    return ConfigIssue(calendar.source, None, field, message, hint)


def _some(ids: list[str]) -> str:
    more = f", … ({len(ids)} đơn vị)" if len(ids) > _SHOWN else ""
    return ", ".join(ids[:_SHOWN]) + more


def _closed_receivers(calendar: Calendar, ob: Obligation) -> list[ConfigIssue]:
    """A receiver that closes while the obligation still sends to it (the last receiver
    with no `until_year` before its closing, or an earlier one closing before the next)."""
    out = []
    segments = [(None, ob.receiver), *((c.since, c.unit) for c in ob.receivers)]
    for i, (_, receiver) in enumerate(segments):
        if receiver == PARENT:
            continue
        unit = calendar.units_by_id.get(receiver)
        if unit is None or unit.closed is None:
            continue
        following = segments[i + 1][0] if i + 1 < len(segments) else None
        if following is not None and following <= unit.closed:
            continue
        if following is None and ob.until_year is not None and ob.until_year < unit.closed.year:
            continue
        out.append(
            _issue(
                calendar,
                f"obligations[{ob.id}].receiver",
                f"nghĩa vụ vẫn gửi về '{receiver}', đơn vị đã ngừng hoạt động từ "
                f"{unit.closed:%d/%m/%Y}",
                f"receiver: [{{unit: {receiver}}}, {{unit: {unit.successor or 'mã-đơn-vị-mới'}, "
                f"from: {unit.closed:%d/%m/%Y}}}], hoặc until_year",
            )
        )
    if PARENT in ob.all_receivers():
        orphans = [
            u.id
            for u in selected_units(calendar, ob)
            if u.parent is not None
            and (parent := calendar.unit(u.parent)).closed is not None
            and (u.closed is None or u.closed > parent.closed)
        ]
        if orphans:
            out.append(
                _issue(
                    calendar,
                    f"obligations[{ob.id}].receiver",
                    f"báo cáo gửi cấp trên (parent) đã giải thể: {_some(orphans)}",
                    "đổi parent của các đơn vị này",
                )
            )
    return out


def _owing(calendar: Calendar, ob: Obligation) -> list[str]:
    """Units that owe a report of the obligation's first year (or this year): the ones an
    escalation can reach; a unit closed before then never will be."""
    year = ob.from_year or min(date.today().year, ob.until_year or date.today().year)
    ids: set[str] = set()
    for period, rule in periods_in_year(ob, year):
        cycle = plan_cycle(calendar, ob, period, rule)
        ids.update(o.unit.id for o in owed_reports(calendar, ob, period, cycle.last_day)[0])
    return [u.id for u in calendar.units if u.id in ids]


def _heads(calendar: Calendar, ob: Obligation) -> list[ConfigIssue]:
    if not any(step.to is EscalationTarget.HEAD for step in ob.escalation):
        return []
    headless = [uid for uid in _owing(calendar, ob) if calendar.unit(uid).head is None]
    if not headless:
        return []
    return [
        _issue(
            calendar,
            f"obligations[{ob.id}].escalation",
            f"đôn đốc gửi thủ trưởng (head) nhưng {len(headless)} đơn vị chưa có thủ trưởng: "
            f"{_some(headless)}",
            "thêm head cho đơn vị, hoặc bỏ bước to: head",
        )
    ]


def _data_window(calendar: Calendar, ob: Obligation) -> list[ConfigIssue]:
    """The figures must be closed before the report is due: one year shows the pattern."""
    if ob.data_window is None:
        return []
    year = ob.from_year or ob.until_year or date.today().year
    for period, rule in periods_in_year(ob, year):
        cycle = plan_cycle(calendar, ob, period, rule)
        if cycle.data_window is not None and cycle.data_window[1] >= cycle.last_day:
            return [
                _issue(
                    calendar,
                    f"obligations[{ob.id}].data_window",
                    f"số liệu kỳ {period.label_vi()} tính đến {cycle.data_window[1]:%d/%m/%Y}, "
                    f"không trước hạn nộp {cycle.last_day:%d/%m/%Y}",
                    "một khoảng số liệu kết thúc trước hạn nộp",
                )
            ]
    return []


def _successors(calendar: Calendar) -> list[ConfigIssue]:
    out = []
    for unit in calendar.units:
        if unit.successor is None or unit.closed is None:
            continue
        successor = calendar.units_by_id.get(unit.successor)
        if successor is not None and not successor.exists_on(unit.closed):
            out.append(
                _issue(
                    calendar,
                    f"units[{unit.id}].successor",
                    f"đơn vị kế thừa '{successor.id}' không hoạt động vào ngày "
                    f"{unit.closed:%d/%m/%Y}, ngày '{unit.id}' giải thể",
                )
            )
    return out


def _working_days(calendar: Calendar) -> list[ConfigIssue]:
    work = WorkCalendar()
    return [
        _issue(
            calendar,
            "working_days",
            f"{d.day:%d/%m/%Y} không phải ngày nghỉ lễ trong gói holidays {HOLIDAYS_VERSION}: "
            "không có gì để bỏ",
            "ngày nghỉ lễ mà Chính phủ không cho nghỉ",
        )
        for d in calendar.working_days
        if work.package_holiday(d.day) is None
    ]
