"""The editor's and the history's words: field labels, hints, and changes said in
Vietnamese (what a coordinator reads instead of JSON)."""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from config.values import CHANNELS
from store.changes import Change
from web.formatting import CHANNEL_VI, as_names, channels_vi

ENTITY = {
    "calendar": "Lịch",
    "person": "Người",
    "unit": "Đơn vị",
    "obligation": "Nghĩa vụ",
    "supervisor": "Lãnh đạo phụ trách",
}
ACTION = {"added": "thêm", "changed": "sửa", "removed": "bỏ khỏi lịch", "restored": "đưa lại"}
FIELD = {
    "id": "mã",
    "name": "tên",
    "kind": "loại",
    "parent": "cấp trên",
    "opened": "ngày thành lập",
    "closed": "ngày giải thể",
    "successor": "đơn vị kế thừa",
    "focal_point": "đầu mối",
    "focal_points": "đầu mối",
    "head": "thủ trưởng",
    "email": "email",
    "telegram": "Telegram",
    "phone": "điện thoại",
    "language": "ngôn ngữ",
    "channels": "kênh nhận nhắc việc, theo thứ tự ưu tiên",
    "focal_of": "là đầu mối của các đơn vị",
    "head_of": "là thủ trưởng của các đơn vị",
    "supervises": "phụ trách (nhận bản tổng hợp) các nhánh",
    "units": "đơn vị",
    "people": "người",
    "obligations": "nghĩa vụ",
    "supervisors": "lãnh đạo phụ trách",
    "person": "người",
    "receiver": "nơi nhận",
    "receivers": "nơi nhận",
    "period": "kỳ",
    "due": "hạn theo văn bản",
    "window": "đợt (từ – đến)",
    "reading": "cách hiểu “trước ngày”",
    "kinds": "loại đơn vị phải nộp",
    "submitters": "đơn vị phải nộp",
    "subtrees": "các nhánh phải nộp",
    "exclude": "trừ các đơn vị",
    "reminders": "mốc nhắc",
    "escalation": "đôn đốc",
    "data_window": "khoảng số liệu",
    "from_year": "từ năm",
    "until_year": "đến năm",
    "source": "câu trích văn bản",
    "days_off": "ngày nghỉ",
    "working_saturdays": "ngày cuối tuần làm bù",
    "working_days": "ngày lễ vẫn làm việc",
    "source_path": "tệp",
}
HINT = {
    "id": "chữ thường, số, dấu gạch: xa-tan-lap",
    "kind": "ví dụ commune, ward, department",
    "parent": "mã đơn vị cấp trên",
    "opened": "dd/mm/yyyy",
    "closed": "dd/mm/yyyy",
    "successor": "mã đơn vị nộp thay sau khi giải thể",
    "focal_point": "mã người, cách nhau bằng dấu phẩy",
    "head": "mã người",
    "focal_of": "mã đơn vị, cách nhau bằng dấu phẩy",
    "head_of": "mã đơn vị, cách nhau bằng dấu phẩy",
    "supervises": "mã đơn vị gốc của các nhánh",
    "due": "before 15/06, by 15/06; theo kỳ: H1: before 15/06; H2: before 15/12",
    "window": "15/11 - 15/12 (chỉ kỳ campaign)",
    "receiver": "mã đơn vị, hoặc parent; đổi theo ngày: so-a; so-b từ 01/07/2025",
    "reminders": "-7d, -3d, -1d, 0d (để trống: theo mặc định của lịch; “không”: không nhắc)",
    "escalation": "1d focal_point, 3d head, 5d supervisor (“không”: không đôn đốc)",
    "data_window": "nd09, hoặc 15/12 - 14/06",
    "days_off": "mỗi dòng một ngày: dd/mm/yyyy Tên ngày nghỉ",
    "working_saturdays": "mỗi dòng một ngày: dd/mm/yyyy",
    "channels": (
        "Nhắc việc đi qua kênh đầu tiên liên lạc được; kênh đó chưa liên kết, đã tắt "
        "hay không tới được người nhận thì đi qua kênh sau. Zalo và Telegram dùng được "
        "khi người này đã liên kết (trang Liên kết Zalo, Telegram)."
    ),
}
PERIODS = {
    "annual": "năm",
    "semiannual": "6 tháng",
    "quarterly": "quý",
    "monthly": "tháng",
    "one_off": "đột xuất",
    "campaign": "đợt cao điểm",
}


def channels_typed(value: Any) -> str:
    """The order as the form holds it ("zalo, email"; "" for none), however it was written."""
    return ", ".join(as_names(value))


PREFERENCE = ("zalo", "email", "telegram")
"""How the form lists the orders: Zalo first, where officials already are."""
CHANNEL_ORDERS = {
    "": "Mọi kênh người này có, cùng lúc (mặc định)",
    **{
        ", ".join(order): channels_vi(list(order))
        for order in sorted(
            (o for r in range(1, len(CHANNELS) + 1) for o in itertools.permutations(CHANNELS, r)),
            key=lambda o: (len(o) != 2, [PREFERENCE.index(c) for c in o]),
        )
    },
}
"""Every order the loader accepts, as the person form offers them: two channels first
(one to try, one to fall back on), then the others, Zalo's before."""

READINGS = {"": "theo mặc định của lịch", "literal": "đúng nghĩa chữ", "inclusive": "đến hết ngày"}


def field_vi(path: str, document: dict[str, Any] | None = None) -> str:
    """`units[3].focal_point` -> `đơn vị xa-a1 › đầu mối` (the entry named by its id when
    `document` is given, else `đơn vị thứ 4`): each name in Vietnamese."""
    out = []
    parts = path.split(".")
    first = re.fullmatch(r"(\w+)\[(\d+)\]", parts[0])
    if document is not None and first is not None:
        items = document.get(first[1])
        index = int(first[2])
        if isinstance(items, list) and index < len(items) and isinstance(items[index], dict):
            key = items[index].get("id", items[index].get("person"))
            if key is not None:
                out.append(f"{FIELD.get(first[1], first[1])} {key}")
                parts = parts[1:]
    for part in parts:
        name = re.match(r"\w+", part)
        word = FIELD.get(name.group(), name.group()) if name else ""
        rest = part[name.end() :] if name else part
        out.append(word + re.sub(r"\[([^\]]+)\]", _index, rest))
    return " › ".join(out)


def _index(found: re.Match[str]) -> str:
    """`[3]` -> ` thứ 4`; `[bc-xa]` (warnings name entries by id) -> ` bc-xa`."""
    inside = found[1]
    return f" thứ {int(inside) + 1}" if inside.isdigit() else f" {inside}"


def value_vi(value: Any) -> str:
    if value is None or value == [] or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, str):
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return f"{value[8:10]}/{value[5:7]}/{value[:4]}"
        return value
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value_vi(v) for v in value)
    if isinstance(value, list):
        return "; ".join(value_vi(v) for v in value)
    if isinstance(value, dict):  # a day off, a receiver from a date: its values in order
        return " ".join(value_vi(v) for v in value.values() if v not in (None, "", []))
    return json.dumps(value, ensure_ascii=False)


PERSON_REFS = frozenset({"focal_point", "focal_points", "head"})
UNIT_REFS = frozenset({"parent", "successor"})
"""Fields whose values are ids of people, of units: said by name in the changes."""


@dataclass(frozen=True)
class Names:
    """What the calendar calls its people and units, by id."""

    people: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)


def named_vi(value: Any, names: Mapping[str, str]) -> str:
    """Ids as a coordinator reads them: "Trần Văn A (fp-a), Phạm Thị B (fp-b)"."""
    ids = [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return ", ".join(f"{names[i]} ({i})" if names.get(i) else i for i in ids)


def field_value_vi(field: str, value: Any, names: Names | None = None) -> str:
    """A field's value in words: a channel order as "Zalo, rồi Email" (one of its places,
    in a revision saved before orders were compared whole, as "Zalo"), others as typed."""
    if field == "channels":
        return channels_vi(value)
    if field.startswith("channels[") and isinstance(value, str):
        return CHANNEL_VI.get(value, value)
    base = re.match(r"\w+", field)
    word = base.group() if base else ""
    if names is not None and value not in (None, "", []):
        if word in PERSON_REFS:
            return named_vi(value, names.people)
        if word in UNIT_REFS:
            return named_vi(value, names.units)
    return value_vi(value)


def change_lines(change: Change, names: Names | None = None) -> list[str]:
    """Each field change as "tên: cũ → mới" (people and units by name, given `names`)."""
    return [
        f"{field_vi(f.field)}: {field_value_vi(f.field, f.old, names)} → "
        f"{field_value_vi(f.field, f.new, names)}"
        for f in change.fields
    ]


def change_counts(changes: list[Change]) -> str:
    """A revision's changes counted, for one too long to read line by line (a first
    publish lists every unit and person): "thêm 90 đơn vị, 163 người; sửa 2 đơn vị"."""
    counts: dict[str, dict[str, int]] = {}
    for change in changes:
        by_entity = counts.setdefault(change.action, {})
        by_entity[change.entity] = by_entity.get(change.entity, 0) + 1
    return "; ".join(
        ACTION[action]
        + " "
        + ", ".join(f"{n} {ENTITY[entity].lower()}" for entity, n in by_entity.items())
        for action, by_entity in counts.items()
    )


def change_title(change: Change) -> str:
    label = f"{change.label} ({change.key})" if change.label != change.key else change.key
    return f"{ENTITY[change.entity]} {label}: {ACTION[change.action]}"
