"""The wording of deadlines in Vietnamese administrative documents, as rules on folded text.

An obligation is anchored on a time expression that a deadline phrase introduces
("trước ngày", "chậm nhất ngày", "từ ngày ... đến ngày ...", "trong Quý II/2011"); a date
without such a phrase (the document's own date, a cited decision's date, an anniversary
such as 8/3 or 20/10, a programme period such as 2011 - 2020) is never a deadline. A
recurring meeting or activity with no deliverable ("giao ban 01 lần/quý") is not a
reporting obligation either: anchors need a deliverable or a directive in their sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from deadlines.extract.vndates import TimeExpr
from deadlines.model import PeriodKind

# Phrases ending right before a date. "before" = "trước ngày X"; "by" = X itself counts.
_BEFORE = re.compile(r"(?<!\w)truoc(?:\s+ngay)?\s*[(:]?\s*$")
_BY = re.compile(
    r"(?<!\w)(?:cham\s+nhat(?:\s+(?:la|vao|den))?(?:\s+ngay)?"
    r"|han\s+(?:chot|nop|cuoi|gui)(?:\s+\w+){0,8}?(?:\s+(?:la|vao|truoc))?(?:\s+ngay)?\s*:?"
    r"|khong\s+(?:muon|cham|tre)\s+hon(?:\s+ngay)?|khong\s+qua(?:\s+ngay)?"
    r"|den\s+het(?:\s+ngay)?|truoc\s+\d{1,2}\s*(?:gio|h)(?:\s*\d{1,2}(?:\s*phut)?)?,?"
    r"|(?:gui|nop)(?:\s+\w+){0,4}?\s+vao(?:\s+ngay)?)\s*[(:]?\s*$"
)
# "... trước ngày 25/6 đối với báo cáo 6 tháng và ngày 25/12 đối với báo cáo năm": the
# second date inherits the first one's phrase.
_AND_ALSO = re.compile(r"(?<!\w)(?:va|hoac)\s*$|,\s*$")
# A date that says when something was issued or took effect, not when it is due.
_ISSUED_BEFORE = re.compile(
    r"(?<!\w)(?:ban\s+hanh|ky\s+ket|thanh\s+lap|co\s+hieu\s+luc|ap\s+dung|phat\s+sinh"
    r"|xay\s+ra)\s*$"
)
_WINDOW_FROM = re.compile(r"(?<!\w)(?:tu|bat\s+dau\s+tu|trong\s+thoi\s+gian\s+tu)\s*$")
_WINDOW_TO = re.compile(r"^\s*(?:-|den(?:\s+het)?|toi)\s*$")
_TASK_BOUND = re.compile(
    r"(?<!\w)(?:trong|vao|ngay\s+trong|hoan\s+thanh\s+trong|xong\s+trong)\s*(?:dip\s+)?$"
)

# A deliverable that a unit hands in.
DELIVERABLE = re.compile(
    r"(?<!\w)(?:bao\s+cao|ke\s+hoach|so\s+lieu|danh\s+sach|du\s+toan|bieu\s+mau"
    r"|phuong\s+an|chuong\s+trinh\s+cong\s+tac|thong\s+tin\s+bao\s+cao)(?!\w)"
)
SUBMIT = re.compile(r"(?<!\w)(?:gui|nop|bao\s+cao|cung\s+cap|chuyen)(?!\w)")
DIRECTIVE = re.compile(
    r"(?<!\w)(?:de\s+nghi|yeu\s+cau|giao|co\s+trach\s+nhiem|can\s+phai|phai|chi\s+dao)(?!\w)"
)
# Words that make a dated clause about something other than a reporting duty.
_NOT_A_DUTY = re.compile(
    r"(?<!\w)(?:can\s+cu|ky\s+niem|nhan\s+dip|co\s+hieu\s+luc|hieu\s+luc\s+thi\s+hanh"
    r"|ngay\s+quoc\s+te|ngay\s+thanh\s+lap|duoc\s+ban\s+hanh)(?!\w)"
)
CAMPAIGN = re.compile(
    r"(?<!\w)(?:thang\s+hanh\s+dong|chien\s+dich|dot\s+cao\s+diem|tuan\s+le|dot\s+thi\s+dua"
    r"|dot\s+(?:truyen\s+thong|tuyen\s+truyen|kiem\s+tra)|ngay\s+hoi)(?!\w)"
)
DATA_CUTOFF = re.compile(
    r"(?<!\w)(?:so\s+lieu|ky\s+bao\s+cao|thoi\s+gian\s+lay\s+so\s+lieu|thoi\s+diem\s+chot)(?!\w)"
)

# Period words, most specific first: "báo cáo sơ kết 6 tháng đầu năm 2019" is semiannual.
_PERIODS: tuple[tuple[PeriodKind, re.Pattern[str]], ...] = (
    (
        PeriodKind.SEMIANNUAL,
        re.compile(
            r"(?<!\w)(?:(?:0?6|sau)\s+thang(?!\s+\d)|nua\s+nam|giua\s+nam|so\s+ket(?!\s+\d+\s+nam))"
        ),
    ),
    (
        PeriodKind.QUARTERLY,
        re.compile(
            r"(?<!\w)(?:hang\s+quy|moi\s+quy|bao\s+cao\s+quy|dinh\s+ky\s+quy|0?3\s+thang"
            r"|quy\s+(?:iv|iii|ii|i|[1-4]))(?!\w)"
        ),
    ),
    (
        PeriodKind.MONTHLY,
        re.compile(
            r"(?<!\w)(?:hang\s+thang|moi\s+thang|bao\s+cao\s+thang|dinh\s+ky\s+thang)(?!\w)"
        ),
    ),
    (
        PeriodKind.ANNUAL,
        re.compile(
            r"(?<!\w)(?:ca\s+nam|hang\s+nam|moi\s+nam|thuong\s+nien|tong\s+ket\s+nam"
            r"|(?:bao\s+cao|ke\s+hoach)\s+nam|nam\s+(?:19|20)\d\d|nam(?=\s*\(\s*$)"
            r"|(?<=thang\sva\s)nam|(?<=thang,\s)nam)(?!\w)"
        ),
    ),
    (PeriodKind.ONE_OFF, re.compile(r"(?<!\w)(?:dot\s+xuat|mot\s+lan)(?!\w)")),
)
SEMESTER_HALF = re.compile(r"(?<!\w)6\s+thang\s+(?P<half>dau|cuoi)\s+nam(?!\w)")
QUARTER_WORD = re.compile(r"(?<!\w)quy\s+(?P<q>iv|iii|ii|i|[1-4])(?!\w)")
NAME_YEAR = re.compile(r"(?<!\w)nam\s+(?P<y>(?:19|20)\d\d)(?!\w)")


@dataclass(frozen=True, slots=True)
class Anchor:
    """A time expression a deadline phrase introduces, in sentence coordinates."""

    kind: str
    """due | window | task"""
    start: int
    end: int
    expr: TimeExpr
    until: TimeExpr | None = None
    inclusive: bool = False
    words: str = ""
    """The folded trigger and expression as written."""


def _shift(expr: TimeExpr, by: int) -> TimeExpr:
    return replace(expr, start=expr.start - by, end=expr.end - by)


def find_anchors(folded: str, exprs: list[TimeExpr], base: int) -> list[Anchor]:
    """Deadline anchors in one sentence; `exprs` are in document coordinates, `base` the
    sentence's start, and the anchors come back in sentence coordinates."""
    local = [_shift(e, base) for e in exprs]
    anchors: list[Anchor] = []
    skip = False
    for i, expr in enumerate(local):
        if skip or expr.kind == "year_range":
            skip = False
            continue
        before = folded[max(0, expr.start - 48) : expr.start]
        nxt = local[i + 1] if i + 1 < len(local) else None
        window = _WINDOW_FROM.search(before)
        if (
            window
            and expr.kind == "date"
            and nxt is not None
            and nxt.kind == "date"
            and _WINDOW_TO.match(folded[expr.end : nxt.start])
        ):
            start = window.start() + expr.start - len(before)
            anchors.append(Anchor("window", start, nxt.end, expr, until=nxt, inclusive=True))
            skip = True
            continue
        anchor = _due_or_task(folded, expr, before, anchors[-1] if anchors else None)
        if anchor is not None:
            anchors.append(anchor)
    kept = [replace(a, words=folded[a.start : a.end]) for a in anchors if _is_duty(folded, a)]
    if any(a.kind == "due" and a.expr.problem == "no_month" for a in kept):
        # "Trong tháng 6, ... trước ngày 15": the month completes the date, it is no task.
        kept = [a for a in kept if not (a.kind == "task" and a.expr.kind == "month")]
    return kept


def _due_or_task(
    folded: str, expr: TimeExpr, before: str, previous: Anchor | None
) -> Anchor | None:
    offset = expr.start - len(before)
    if expr.kind in ("quarter", "month"):
        m = _TASK_BOUND.search(before)
        return Anchor("task", m.start() + offset, expr.end, expr, inclusive=True) if m else None
    if expr.kind not in ("date", "day_rel"):
        return None
    inclusive = False
    if expr.kind == "day_rel" and (m := re.search(r"(?<!\w)vao\s*$", before)):
        return Anchor(
            "due", m.start() + offset, expr.end, expr, inclusive=True
        )  # "vào ngày 25 hằng tháng"
    m = _BEFORE.search(before)
    if m is None:
        m, inclusive = _BY.search(before), True
    if m is None:
        also = _AND_ALSO.search(before)
        near = previous is not None and previous.kind == "due" and expr.start - previous.end < 80
        if also and near and previous is not None:
            start = also.end() + offset
            return Anchor("due", start, expr.end, expr, inclusive=previous.inclusive)
        return None
    if _ISSUED_BEFORE.search(folded, 0, m.start() + offset):
        return None
    return Anchor("due", m.start() + offset, expr.end, expr, inclusive=inclusive)


def _is_duty(folded: str, anchor: Anchor) -> bool:
    clause_start = max(folded.rfind(";", 0, anchor.start), 0)
    if _NOT_A_DUTY.search(folded, clause_start, anchor.start):
        return False
    if anchor.kind == "window":
        found = CAMPAIGN.search(folded) or DATA_CUTOFF.search(folded) or DIRECTIVE.search(folded)
        return bool(found)
    if anchor.kind == "task":
        return bool(DIRECTIVE.search(folded) or DELIVERABLE.search(folded))
    return bool(DELIVERABLE.search(folded) or SUBMIT.search(folded))


def periods_in(folded: str) -> list[tuple[PeriodKind, int, int]]:
    """Every period word in `folded`, in order of appearance, without overlaps."""
    found: list[tuple[PeriodKind, int, int]] = []
    for kind, pattern in _PERIODS:
        for m in pattern.finditer(folded):
            if all(m.end() <= s or e <= m.start() for _, s, e in found):
                found.append((kind, m.start(), m.end()))
    return sorted(found, key=lambda f: f[1])


def period_in(folded: str) -> tuple[PeriodKind, int, int] | None:
    """The most specific period word in `folded` and its span."""
    for kind, pattern in _PERIODS:
        m = pattern.search(folded)
        if m:
            return kind, m.start(), m.end()
    return None
