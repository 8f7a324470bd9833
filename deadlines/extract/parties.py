"""Who submits and who receives, read from a deadline sentence.

Submitters are named by kind ("các sở, ban, ngành", "UBND các huyện, thành phố", "các xã,
phường") and mapped to the unit kinds calendars use; vague words ("các đơn vị", "các địa
phương") are reported as such, with the kinds they usually mean at the issuer's level as
candidates. The receiver is the office after "gửi về", "gửi", "nộp" or "về"; "Cơ quan
thường trực Ban ... (Sở ...)" resolves to the office in brackets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deadlines.extract.normalise import fold

# Kinds as used by calendars (config/examples): one word per idea.
DEPARTMENT, MASS_ORG, DISTRICT, COMMUNE, WARD, TOWNSHIP = (
    "department",
    "mass_organisation",
    "district",
    "commune",
    "ward",
    "township",
)
KIND_ORDER = (DEPARTMENT, MASS_ORG, DISTRICT, WARD, COMMUNE, TOWNSHIP)

# Matched on the lower-case text with diacritics, where folding would merge words
# ("sở"/"số", "xã"/"xa"); the others on folded text, which survives OCR's diacritics.
_KIND_EXACT = (
    (DEPARTMENT, re.compile(r"(?<!\w)(?:sở|ngành|phòng,?\s+ban|các\s+phòng)(?!\w)")),
    (DEPARTMENT, re.compile(r"(?<!\w)đơn\s+vị\s+(?:cấp\s+tỉnh|trực\s+thuộc|chuyên\s+môn)(?!\w)")),
    (COMMUNE, re.compile(r"(?<!thị\s)(?<!\w)xã(?!\s+hội)(?!\w)")),
    (WARD, re.compile(r"(?<!\w)phường(?!\w)")),
    (TOWNSHIP, re.compile(r"(?<!\w)thị\s+trấn(?!\w)")),
)
_KIND_FOLDED = (
    (
        MASS_ORG,
        re.compile(
            r"(?<!\w)(?:doan\s+the|mat\s+tran|mttq|hoi\s+lien\s+hiep|to\s+chuc\s+chinh\s+tri)"
        ),
    ),
    (DISTRICT, re.compile(r"(?<!\w)(?:huyen|quan)(?!\w)")),
)
_DISTRICT_TOO = re.compile(r"(?<!\w)(?:thanh\s+pho|thi\s+xa)(?!\w)")
_VAGUE = re.compile(
    r"(?<!\w)(?:cac\s+)?(?:don\s+vi(?!\s+(?:cap\s+tinh|truc\s+thuoc|chuyen\s+mon|minh))"
    r"|dia\s+phuong|co\s+quan)(?:\s+(?:co\s+)?lien\s+quan)?(?!\w)"
)
_VAGUE_MEANING: dict[str, dict[str, tuple[str, ...]]] = {
    "province": {"don vi": (DEPARTMENT,), "dia phuong": (DISTRICT,), "co quan": (DEPARTMENT,)},
    "district": {"don vi": (DEPARTMENT,), "dia phuong": (WARD, COMMUNE), "co quan": (DEPARTMENT,)},
}

_ADDRESSEE = re.compile(r"(?<!\w)(?:de\s+nghi|yeu\s+cau|doi\s+voi)\s+")
_SEND = re.compile(r"(?<!\w)(?:gui|nop|bao\s+cao|cung\s+cap)(?!\w)")
_VERB = re.compile(
    r"(?<!\w)(?:gui|nop|bao\s+cao|thuc\s+hien|trien\s+khai|co\s+trach\s+nhiem|chi\s+dao"
    r"|tien\s+hanh|xay\s+dung|nghiem\s+tuc|to\s+chuc|cung\s+cap|phoi\s+hop|khan\s+truong"
    r"|tich\s+cuc|chu\s+dong|kiem\s+tra|chua|de\s+nghi|yeu\s+cau)(?!\w)|[;:.]|,\s*(?=yeu\s+cau)"
)


@dataclass(frozen=True, slots=True)
class Submitting:
    kinds: tuple[str, ...]
    vague: tuple[str, ...]
    """Vague words as written: "các đơn vị", "các địa phương"."""
    candidates: tuple[str, ...]
    """Kinds the vague words add at the issuer's level (not in `kinds`)."""
    text: str
    spans: tuple[tuple[int, int], ...]
    """Where the submitters are named, in sentence coordinates."""


def _spans(folded: str, anchors_end: list[int]) -> list[tuple[int, int]]:
    spans = []
    for m in _ADDRESSEE.finditer(folded):
        stop = _VERB.search(folded, m.end())
        end = stop.start() if stop else len(folded)
        if end > m.end() and end - m.end() < 220:
            spans.append((m.end(), end))
    if spans:
        return spans
    # No addressee: the subject of the sending verb, nearest the verb first ("Định kỳ 6
    # tháng (trước ngày 20/6) ... các sở, ban, ngành ... báo cáo kết quả").
    for begin in sorted({0, *anchors_end}, reverse=True):
        stop = _SEND.search(folded, begin)
        if stop and 0 < stop.start() - begin < 220:
            spans.append((begin, stop.start()))
    return spans


def find_submitters(
    text: str, folded: str, anchors_end: list[int], level: str | None
) -> Submitting | None:
    lower = text.lower()
    kinds: list[str] = []
    vague: list[str] = []
    used: list[tuple[int, int]] = []
    addressed = bool(_ADDRESSEE.search(folded))
    for a, b in _spans(folded, anchors_end):
        found = _kinds_in(lower[a:b], folded[a:b])
        vague_here = [text[a + m.start() : a + m.end()] for m in _VAGUE.finditer(folded[a:b])]
        if not found and not vague_here:
            continue
        while a < b and text[a] in " ,()":
            a += 1
        used.append((a, b))
        kinds.extend(k for k in found if k not in kinds)
        vague.extend(v for v in vague_here if v not in vague)
        if not addressed:
            break  # the subject nearest the verb names them; earlier text is context
    if not used:
        return None
    used.sort()
    meanings = _VAGUE_MEANING.get(level or "", {})
    candidates: list[str] = []
    for word in vague:
        key = re.sub(r"^cac\s+|\s+(?:co\s+)?lien\s+quan$", "", fold(word))
        candidates.extend(
            k for k in meanings.get(key, ()) if k not in kinds and k not in candidates
        )
    return Submitting(
        kinds=_ordered(kinds),
        vague=tuple(vague),
        candidates=_ordered(candidates),
        text="; ".join(text[a:b].strip(" ,") for a, b in used),
        spans=tuple(used),
    )


def _ordered(kinds: list[str]) -> tuple[str, ...]:
    return tuple(k for k in KIND_ORDER if k in kinds)


def _kinds_in(lower: str, folded: str) -> list[str]:
    found = [kind for kind, p in _KIND_EXACT if p.search(lower)]
    found += [kind for kind, p in _KIND_FOLDED if p.search(folded)]
    # "thành phố", "thị xã" are districts when listed with them ("các huyện, thành phố,
    # thị xã"); alone they may be the issuer itself ("các đoàn thể Thị xã").
    listed = DISTRICT in found or re.search(r"(?<!\w)cac\s+(?:thanh\s+pho|thi\s+xa)", folded)
    if listed and _DISTRICT_TOO.search(folded) and DISTRICT not in found:
        found.append(DISTRICT)
    return found


# ---------------------------------------------------------------- receiver

_TO = re.compile(
    r"(?<!\w)(?:gui\s+(?:ve|cho|toi|den)|nop\s+(?:ve|cho|toi|tai)|gui|nop|ve)\s+"
    r"(?=(?:co\s+quan\s+thuong\s+truc|so|phong|ban(?!\s+hanh)|uy\s+ban\s+nhan\s+dan|ubnd"
    r"|van\s+phong|bo|cuc|chi\s+cuc|thuong\s+truc)(?!\w))"
)
_HEADS = re.compile(
    r"(?:co\s+quan\s+thuong\s+truc|so|phong|ban|uy\s+ban\s+nhan\s+dan|ubnd|van\s+phong|bo|cuc"
    r"|chi\s+cuc|thuong\s+truc)(?!\w)"
)
_OFFICE_NAMES = (
    "Lao động - Thương binh và Xã hội",
    "Kế hoạch và Đầu tư",
    "Giáo dục và Đào tạo",
    "Văn hóa, Thể thao và Du lịch",
    "Văn hóa và Thông tin",
    "Thông tin và Truyền thông",
    "Tài chính - Kế hoạch",
    "Tài chính",
    "Nội vụ",
    "Tư pháp",
    "Y tế",
    "Kinh tế",
)
_OFFICE_PATTERNS = tuple(
    (
        name,
        re.compile(
            r"\s+"
            + r"[\s,\-]+".join(
                re.escape(w) for w in fold(name).replace(",", " ").replace("-", " ").split()
            )
            + r"(?!\w)"
        ),
    )
    for name in _OFFICE_NAMES
)
_OFFICE_END = re.compile(
    r"\s+(?:de|truoc|cham\s+nhat|theo|trong|tai|dong\s+thoi|va\s+(?:cac|ubnd|uy\s+ban))(?!\w)"
    r"|\s+-\s+so(?!\w)|[;.,()\"]|$"
)
_LEVEL_WORDS = re.compile(r"(?:\s+(?:tinh|huyen|thi\s+xa|thanh\s+pho|xa|phuong))+$")


@dataclass(frozen=True, slots=True)
class Receiving:
    name: str
    id: str
    start: int
    end: int


def _office_at(text: str, folded: str, at: int) -> Receiving | None:
    head = _HEADS.match(folded, at)
    if head is None:
        return None
    if folded.startswith("co quan thuong truc", at) or folded.startswith("thuong truc", at):
        bracket = folded.find("(", at, at + 160)
        if bracket != -1:
            inner = re.match(r"\(\s*", folded[bracket:])
            assert inner is not None
            found = _office_at(text, folded, bracket + inner.end())
            if found is not None:
                return found
    for name, pattern in _OFFICE_PATTERNS:
        m = pattern.match(folded, head.end())
        if m:
            return Receiving(_head_text(text, at, head.end()) + " " + name, "", at, m.end())
    end = _OFFICE_END.search(folded, head.end())
    stop = end.start() if end else len(folded)
    words = text[at:stop].strip()
    return Receiving(words[:1].upper() + words[1:], "", at, stop) if stop > head.end() else None


def _head_text(text: str, a: int, b: int) -> str:
    words = text[a:b]
    return words[:1].upper() + words[1:]


def find_receivers(text: str, folded: str) -> list[Receiving]:
    """Offices the sentence sends something to, in order, without repeats."""
    out: list[Receiving] = []
    for m in _TO.finditer(folded):
        office = _office_at(text, folded, m.end())
        if office is None:
            continue
        office = Receiving(office.name, unit_id(office.name), office.start, office.end)
        if all(o.id != office.id for o in out):
            out.append(office)
    return out


_HEAD_IDS = {
    "so": "so",
    "phong": "phong",
    "ban": "ban",
    "uy ban nhan dan": "ubnd",
    "ubnd": "ubnd",
    "van phong": "van-phong",
    "bo": "bo",
    "cuc": "cuc",
    "chi cuc": "chi-cuc",
}


def unit_id(name: str) -> str:
    """A unit id in the style of the example calendars: "Sở Lao động - Thương binh và Xã
    hội" -> "so-ldtbxh", "Phòng Nội vụ" -> "phong-noi-vu"."""
    folded = _LEVEL_WORDS.sub("", fold(name).strip())
    words = re.findall(r"[a-z0-9]+", folded)
    for head, slug in sorted(_HEAD_IDS.items(), key=lambda kv: -len(kv[0])):
        parts = head.split()
        if words[: len(parts)] == parts:
            rest = [w for w in words[len(parts) :] if w != "va"]
            if len(rest) >= 3:
                return f"{slug}-{''.join(w[0] for w in rest)}"
            return "-".join([slug, *rest])
    return "-".join(words[:6])
