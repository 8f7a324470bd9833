"""Proposals as calendar YAML (the `obligations:` format of config/examples), with the
evidence and flags of every field as comments a coordinator reads before accepting.

Strings are written as JSON strings, which are valid YAML double-quoted scalars, so a
sentence with ": " or "#" in it cannot change the document's structure.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from deadlines.extract.flags import FIELD_VI
from deadlines.extract.types import Extraction, Flag, Proposal
from deadlines.model import DueRule, PeriodKind

_LEVEL_VI = {"province": "cấp tỉnh", "district": "cấp huyện", "commune": "cấp xã"}
_WIDTH = 96


def q(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def obligation_fields(p: Proposal) -> dict[str, Any]:
    """The calendar fields of a proposal, in file order; None marks a field left empty."""
    fields: dict[str, Any] = {"id": p.id, "name": p.name, "period": p.period and p.period.value}
    if p.period is PeriodKind.CAMPAIGN:
        if p.window is not None:
            a, b = p.window
            fields["window"] = f"{a.day:02d}/{a.month:02d} - {b.day:02d}/{b.month:02d}"
        if p.due:
            fields["due"] = due_value(p.due)
    else:
        fields["due"] = due_value(p.due) if p.due else None
    if p.reading.value != "literal":
        fields["reading"] = p.reading.value
    if p.data_window is not None and p.data_window.start and p.data_window.end:
        s, e = p.data_window.start, p.data_window.end
        fields["data_window"] = f"{s.day:02d}/{s.month:02d} - {e.day:02d}/{e.month:02d}"
    fields["submitters"] = {"kinds": list(p.submitters.kinds)} if p.submitters else None
    fields["receiver"] = p.receiver
    if p.from_year is not None:
        fields["from_year"] = p.from_year
    fields["source"] = p.clause or p.sentence
    return fields


def due_value(rules: tuple[DueRule, ...]) -> str | dict[str, str]:
    if any(r.slot for r in rules):
        return {r.slot: r.text for r in rules}
    return rules[0].text


def reading_vi(rule: DueRule) -> str:
    """What the rule means for the last day, both readings when they differ."""
    if rule.day_of_month is not None:
        month = "tháng sau" if rule.month_offset else "tháng cuối kỳ"
        if rule.inclusive:
            return f"hạn cuối: hết ngày {rule.day_of_month} {month}"
        prev = rule.day_of_month - 1
        return (
            f"hạn cuối: hết ngày {prev} {month} (đọc theo nghĩa đen «trước ngày»); "
            f"hết ngày {rule.day_of_month} nếu đọc «đến hết ngày» (reading: inclusive)"
        )
    day = rule.exact or (date(2001, rule.on.month, rule.on.day) if rule.on else None)
    if day is None:
        return ""
    label = "%d/%m/%Y" if rule.exact else "%d/%m"
    if rule.inclusive:
        return f"hạn cuối: hết ngày {day:{label}} («chậm nhất», tính cả ngày này)"
    before = day - timedelta(days=1)
    return (
        f"hạn cuối: hết ngày {before:{label}} (đọc theo nghĩa đen «trước ngày», mặc định); "
        f"hết ngày {day:{label}} nếu đọc «đến hết ngày» (reading: inclusive)"
    )


Locate = Callable[[int, int, int], str]
"""(offset, line, column) in the source -> how the coordinator finds it ("dòng 3, cột 7")."""


def by_line(offset: int, line: int, column: int) -> str:
    return f"dòng {line}, cột {column}"


def _flag_line(p: Proposal, f: Flag) -> list[str]:
    field = FIELD_VI.get(f.field, f.field)
    if not f.blocking:
        return [f"# ℹ {field}: {f.message}"]
    text = f"⚠ CẦN XÁC NHẬN — {field}: {f.message}"
    if f.candidates:
        text += " Ứng viên: " + "; ".join(f.candidates) + "."
    if f.accept is not None:
        text += f" («--accept {p.id}» sẽ dùng ứng viên này.)"
    return _wrapped(text)


def _wrapped(text: str, indent: str = "") -> list[str]:
    lines = textwrap.wrap(text, _WIDTH - len(indent) - 2, break_on_hyphens=False)
    return [f"# {indent}{line}" for line in lines]


def _evidence_lines(p: Proposal, locate: Locate) -> list[str]:
    out = []
    for ev in p.evidence:
        where = locate(ev.offset, ev.line, ev.column)
        out.extend(_wrapped(f"{ev.field:<10} ← «{ev.words}» ({where})"))
        if ev.field == "due":
            for rule in p.due:
                out.extend(_wrapped(reading_vi(rule), indent=" " * 13))
    return out


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        inner = ", ".join(f"{k}: {_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    text = str(value)
    plain = text.replace(" ", "").replace("/", "").replace("-", "").replace("_", "")
    return text if plain.isalnum() and text.isascii() else q(text)


def proposal_yaml(p: Proposal, locate: Locate = by_line) -> list[str]:
    status = "CẦN XÁC NHẬN" if not p.complete else "sẵn sàng"
    lines = [f"# ── {p.id} — {status}"]
    where = locate(p.offset, p.line, p.column)
    lines.extend(_wrapped(f"Câu nguồn ({where}): «{p.sentence}»"))
    lines.extend(_evidence_lines(p, locate))
    for f in p.flags:
        lines.extend(_flag_line(p, f))
    empty = {f.field for f in p.blocking} | set(p.missing)
    body = []
    for key, value in obligation_fields(p).items():
        mark = "  # CẦN XÁC NHẬN (xem trên)" if key in empty and value is None else ""
        body.append(f"{key}: {_value(value)}".rstrip() + mark)
    lines.append("- " + body[0])
    lines.extend("  " + line for line in body[1:])
    return lines


def render(extraction: Extraction, locate: Locate = by_line) -> str:
    """The proposals document; `locate` words the positions (a PDF adds its page)."""
    info = extraction.info
    ready = sum(p.complete for p in extraction.proposals)
    total = len(extraction.proposals)
    head = [f"# Đề xuất nghĩa vụ báo cáo trích từ «{extraction.source}»"]
    facts = []
    if info.number:
        facts.append(f"văn bản số {info.number}")
    if info.issued:
        facts.append(f"ngày {info.issued:%d/%m/%Y}")
    elif info.year:
        facts.append(f"năm {info.year}")
    if info.level:
        facts.append(f"cơ quan ban hành {_LEVEL_VI[info.level]}")
    if facts:
        head.append("# " + ", ".join(facts)[:1].upper() + ", ".join(facts)[1:] + ".")
    head += [
        "# Không đoán: trường nào văn bản không nêu hoặc đọc chưa chắc thì để trống và ghi",
        "# «CẦN XÁC NHẬN» kèm ứng viên. Vị trí tính theo tệp nguồn (dòng, cột).",
        "# Gộp vào lịch: hanchot extract VĂN_BẢN --merge LỊCH.yaml [--accept MÃ ...];",
        "# hoặc sửa tệp này rồi: hanchot extract TỆP_NÀY.yaml --merge LỊCH.yaml",
        f"# {total} đề xuất: {ready} sẵn sàng, {total - ready} cần xác nhận.",
        "",
    ]
    if not extraction.proposals:
        return "\n".join([*head, "obligations: []", ""])
    body = ["obligations:"]
    for p in extraction.proposals:
        body.extend("  " + line for line in proposal_yaml(p, locate))
        body.append("")
    return "\n".join(head + body)
