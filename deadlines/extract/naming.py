"""Names and ids of proposed obligations, taken from the words of the sentence."""

from __future__ import annotations

import re

from deadlines.extract.normalise import fold, restore_phrases
from deadlines.extract.rules import CAMPAIGN, DELIVERABLE, period_in
from deadlines.model import PeriodKind

_NAME_END = re.compile(
    r"\s+(?:gui|nop|ve|truoc|cham\s+nhat|de|theo|cho|tai|dinh\s+ky"
    r"|va\s+(?:truoc|cham|bao\s+cao|ke\s+hoach|gui|nop|ngay))(?!\w)"
    r"|\s+cua\s+(?:cac\s+)?(?:don\s+vi|co\s+quan|dia\s+phuong|so|nganh)(?!\w)"
    r"|\s*[;,(:)\"]|$"
)
# A deliverable named as the object inside a longer name: "... thực hiện kế hoạch năm".
_INNER = re.compile(r"(?:thuc\s+hien|trien\s+khai|xay\s+dung|cua|ve|theo|tai)\s+$")
_TASK_LEAD = re.compile(r"(?:tien\s+hanh|khan\s+truong|kip\s+thoi|to\s+chuc\s+thuc\s+hien)\s+")
_BULLET = re.compile(r"^[\s\-+·•◦▪]+")
_QUARTER_TAIL = re.compile(r"\s+quy\s+(?:iv|iii|ii|i|[1-4])$")
_YEAR_TAIL = re.compile(r"(?<!\w)(nam)\s+(?:19|20)\d\d(?!\w)")
_PERIOD_LABEL = {
    PeriodKind.SEMIANNUAL: "6 tháng",
    PeriodKind.ANNUAL: "hằng năm",
    PeriodKind.QUARTERLY: "hằng quý",
    PeriodKind.MONTHLY: "hằng tháng",
}
_PERIOD_SLUG = {
    PeriodKind.SEMIANNUAL: "6-thang",
    PeriodKind.ANNUAL: "nam",
    PeriodKind.QUARTERLY: "quy",
    PeriodKind.MONTHLY: "thang",
}


def deliverable_before(folded: str, start: int, end: int) -> int | None:
    """Start of the deliverable that the words in [start, end) name, if any."""
    found = [m.start() for m in DELIVERABLE.finditer(folded, start, end)]
    for pos in reversed(found):
        if not _INNER.search(folded, max(start, pos - 14), pos):
            return pos
    return found[-1] if found else None


def deliverable_after(folded: str, start: int) -> int | None:
    """First deliverable after `start` that is not the receiver's own onward report."""
    for m in DELIVERABLE.finditer(folded, start):
        if not re.search(r"(?:tong\s+hop|de)\s+$", folded[max(start, m.start() - 12) : m.start()]):
            return m.start()
    return None


def phrase_end(folded: str, start: int, limit: int | None = None) -> int:
    """End of the noun phrase that starts at `start` (before "gửi", "về", "trước" ...)."""
    limit = len(folded) if limit is None else limit
    m = _NAME_END.search(folded, start + 1, limit)
    return m.start() if m else limit


def campaign_start(folded: str, start: int, end: int) -> int | None:
    m = CAMPAIGN.search(folded, start, end)
    return m.start() if m else None


def task_start(folded: str, start: int) -> int:
    """Where the task's verb phrase starts, past the addressee's leading words."""
    m = _TASK_LEAD.match(folded, start)
    return m.end() if m else start


def clean_name(raw: str, period: PeriodKind | None) -> tuple[str, list[tuple[str, str]]]:
    """Tidy a name as written: bullet and spaces off, OCR'd phrases restored, the year of
    a recurring obligation dropped ("năm 2017" -> "năm"), its period said if unsaid."""
    name = _BULLET.sub("", raw).strip(" .;,")
    name, fixes = restore_phrases(name)
    if period not in (None, PeriodKind.ONE_OFF, PeriodKind.CAMPAIGN):
        folded = fold(name)
        said = period_in(folded) is not None
        quarter = _QUARTER_TAIL.search(folded)
        if period is PeriodKind.QUARTERLY and quarter:  # one obligation for all quarters
            name, folded = name[: quarter.start()], folded[: quarter.start()]
        m = _YEAR_TAIL.search(folded)
        if m:
            name = name[: m.end(1)] + name[m.end() :]
        if not said and period in _PERIOD_LABEL:
            name = f"{name} ({_PERIOD_LABEL[period]})"
    name = name[:1].upper() + name[1:]
    return name, fixes


def slug_id(name: str | None, period: PeriodKind | None) -> str:
    """ "Báo cáo sơ kết 6 tháng" -> "bao-cao-so-ket-6-thang"; "Kế hoạch công tác ... năm"
    -> "ke-hoach-nam"; others: the first words of the name."""
    words = re.findall(r"[a-z0-9]+", fold(name or "nghia vu"))
    if len(words) >= 2 and period in _PERIOD_SLUG and DELIVERABLE.match(" ".join(words[:2])):
        head = words[:2]
        if words[2:4] in (["so", "ket"], ["tong", "ket"]):
            head += words[2:4]
        return "-".join([*head, _PERIOD_SLUG[period]])
    return "-".join(words[:3])
