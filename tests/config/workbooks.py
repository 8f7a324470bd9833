"""Workbooks as coordinators fill them: the dashboard's template opened in a spreadsheet,
rows typed into it, saved. Commune names are shaped like the post-2025 ones (Nghị quyết
1672/NQ-UBTVQH15 and its siblings: two-syllable Sino-Vietnamese names, xã and phường)."""

from __future__ import annotations

import io
import itertools
import unicodedata
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

from config.workbook import PEOPLE, SHEETS, UNITS

_FIRST = (
    "Tân", "Hòa", "An", "Phú", "Bình", "Thạnh", "Đông", "Tây", "Hưng", "Long", "Mỹ",
    "Xuân", "Quang", "Vĩnh", "Hải", "Thái", "Nghĩa", "Phước", "Đức", "Thuận", "Minh",
    "Kim", "Lộc", "Trung",
)  # fmt: skip
_SECOND = (
    "Thành", "Lợi", "Hiệp", "Sơn", "Phong", "Lạc", "Khánh", "Điền", "Tiến", "Yên",
    "Hà", "Lâm", "Châu", "Định", "Thịnh", "Nguyên", "Bắc", "Giang", "Trạch", "Xá",
    "Kiều", "Vân", "Hội",
)  # fmt: skip


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    ascii_ = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return "-".join(ascii_.split())


def communes(count: int, taken: set[str] = frozenset()) -> Iterator[tuple[str, str, str]]:
    """(id, name, kind) of `count` new communes and wards, none of whose ids is `taken`."""
    made = 0
    for n, (a, b) in enumerate(itertools.product(_FIRST, _SECOND)):
        if a == b:
            continue
        ward = n % 9 == 0
        kind, word = ("ward", "phường") if ward else ("commune", "xã")
        key = f"{'phuong' if ward else 'xa'}-{slug(a + ' ' + b)}"
        if key in taken:
            continue
        yield key, f"UBND {word} {a} {b}", kind
        made += 1
        if made == count:
            return
    raise ValueError(f"only {made} names for {count}")


def filled(
    template: bytes, rows: dict[str, list[dict[str, Any]]], keep_example: bool = False
) -> bytes:
    """`template` with `rows` typed under its headers (the example rows removed first,
    as a person overwrites them, unless `keep_example`)."""
    book = load_workbook(io.BytesIO(template))
    for name in (UNITS, PEOPLE):
        sheet = book[name]
        if not keep_example and sheet.max_row >= 2:
            sheet.delete_rows(2, sheet.max_row - 1)
        for entry in rows.get(name, []):
            sheet.append([entry.get(c.key) for c in SHEETS[name]])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def new_communes(count: int, parent: str, taken: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Rows for `count` new communes under `parent`, each with its own focal point."""
    units, people = [], []
    for key, name, kind in communes(count, taken):
        person = f"dm-{key}"
        word = name.removeprefix("UBND ")
        units.append(
            {"id": key, "name": name, "kind": kind, "parent": parent, "focal_point": person}
        )
        people.append(
            {
                "id": person,
                "name": f"Đầu mối UBND {word}",
                "email": f"{key}@langson.example",
                "phone": "0205 3812 345",
            }
        )
    return {UNITS: units, PEOPLE: people}
