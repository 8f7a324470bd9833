"""The flags a proposal can carry, with their Vietnamese wording for the coordinator.

Blocking flags leave their field empty; notes only inform. Wording lives here, in one
place, so the command and the tests read the same sentences.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from deadlines.extract.parties import Receiving, Submitting
from deadlines.extract.types import Flag, Proposal, due_label
from deadlines.extract.vndates import DayMonthYear, TimeExpr
from deadlines.model import DueRule, Submitters

FIELD_VI = {
    "name": "tên",
    "period": "kỳ báo cáo",
    "due": "hạn nộp",
    "submitters": "đơn vị nộp",
    "receiver": "nơi nhận",
    "window": "khoảng thời gian",
    "data_window": "thời điểm chốt số liệu",
}
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def quarter_number(raw: str) -> int:
    return _ROMAN.get(raw, 0) or int(raw)


def missing(field: str) -> Flag:
    return Flag(
        code=f"missing_{field}",
        field=field,
        message=f"Câu nguồn không nêu {FIELD_VI[field]}; cần điền.",
    )


def name_restored(fixes: list[tuple[str, str]]) -> Flag:
    pairs = ", ".join(f"«{a}» → «{b}»" for a, b in fixes)
    return Flag(
        code="name_restored",
        field="name",
        message=f"Đã sửa lỗi chính tả/OCR trong tên: {pairs}.",
        blocking=False,
    )


def year_stated(year: int) -> Flag:
    return Flag(
        code="year_stated",
        field="due",
        message=f"Văn bản ghi năm {year}; lịch lặp lại hạn này hằng năm.",
        blocking=False,
    )


def campaign_report() -> Flag:
    return Flag(
        code="campaign_report_due",
        field="due",
        message="Văn bản không nêu hạn báo cáo kết quả đợt này.",
        blocking=False,
    )


def no_data_window() -> Flag:
    return Flag(
        code="no_data_window",
        field="data_window",
        message="Văn bản không nêu thời điểm chốt số liệu.",
        blocking=False,
    )


def no_exact_date(words: str, last: date | None) -> Flag:
    accept = None
    candidates: tuple[str, ...] = ()
    if last is not None:
        rule = DueRule(text=f"by {last:%d/%m/%Y}", inclusive=True, exact=last)
        accept = (rule,)
        candidates = (f"{last:%d/%m/%Y} (ngày cuối kỳ)",)
    return Flag(
        code="no_exact_date",
        field="due",
        message=f"«{words}» không nêu ngày cụ thể.",
        candidates=candidates,
        accept=accept,
    )


def unreadable_date(
    expr: TimeExpr, words: str, readings: list[DayMonthYear], rules: tuple[DueRule, ...]
) -> Flag:
    why = {
        "ocr": "có thể là lỗi nhận dạng chữ (OCR)",
        "invalid": "không phải ngày hợp lệ",
        "no_month": "thiếu tháng",
    }.get(expr.problem or "", "không đọc được")
    return Flag(
        code=f"ambiguous_date_{expr.problem}",
        field="due",
        message=f"Ngày «{words}» {why}.",
        candidates=tuple(due_label(r) for r in rules),
        accept=rules if len(rules) == 1 else None,
    )


def vague_submitters(sub: Submitting, accept: Submitters | None) -> Flag:
    words = ", ".join(f"«{v}»" for v in sub.vague)
    candidates = accept.kinds if accept else ()
    return Flag(
        code="vague_submitters",
        field="submitters",
        message=f"Đơn vị nộp nêu chung chung ({words}); cần xác nhận loại đơn vị.",
        candidates=candidates,
        accept=accept,
    )


def vague_noted(sub: Submitting) -> Flag:
    words = ", ".join(f"«{v}»" for v in sub.vague)
    return Flag(
        code="vague_submitters",
        field="submitters",
        message=f"Văn bản còn nêu {words}; xem có cần thêm đơn vị nào không.",
        blocking=False,
    )


def several_receivers(receivers: list[Receiving]) -> Flag:
    return Flag(
        code="several_receivers",
        field="receiver",
        message="Câu nguồn nêu nhiều nơi nhận; cần chọn một.",
        candidates=tuple(f"{r.id} ({r.name})" for r in receivers),
    )


def offer_document_parties(proposals: list[Proposal]) -> list[Proposal]:
    """Where a sentence names no receiver or submitters, offer those that the document's
    other proposals name; the field stays empty until the coordinator accepts."""
    receivers = {p.receiver: p.receiver_name for p in proposals if p.receiver}
    kinds = {p.submitters.kinds for p in proposals if p.submitters and p.submitters.kinds}
    out = []
    for p in proposals:
        flags = []
        for f in p.flags:
            if f.code == "missing_receiver" and receivers:
                f = replace(
                    f,
                    message="Câu nguồn không nêu nơi nhận; văn bản gửi báo cáo khác về đây.",
                    candidates=tuple(f"{k} ({v})" for k, v in receivers.items()),
                    accept=next(iter(receivers)) if len(receivers) == 1 else None,
                )
            elif f.code == "missing_submitters" and kinds:
                f = replace(
                    f,
                    message="Câu nguồn không nêu đơn vị nộp; đây là đơn vị nộp các báo cáo khác.",
                    candidates=tuple(", ".join(k) for k in kinds),
                    accept=Submitters(kinds=next(iter(kinds))) if len(kinds) == 1 else None,
                )
            flags.append(f)
        out.append(replace(p, flags=tuple(flags)))
    return out
