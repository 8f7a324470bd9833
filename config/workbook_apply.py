"""A workbook's rows laid onto a calendar's document, and every problem named by its cell.

A row adds the unit or person its id names, or replaces it whole (an empty cell clears
that field: the export writes every field, so this is how a value is removed); units and
people the file does not mention stay as they are. A row that says what the document
already says leaves the document's entry untouched, so importing a file twice, or an
exported file, changes nothing. The result is validated by the same loader as a YAML
file; its errors are mapped back to sheet, row, column and value.

With `allowed` (the unit ids of an account's subtree) a row may only touch units inside
it, put new units under it, and change people no unit outside it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from config.document import calendar_of
from config.errors import CalendarError, ConfigIssue
from config.workbook import PEOPLE, SECTIONS, SHEETS, UNITS, cell_text, examples
from config.workbook_read import Row, Sheets
from deadlines.bounds import shown
from deadlines.model import Calendar
from deadlines.present import KIND_VI

SAYS = {
    "twice": "mã {id} đã có ở dòng {first} của trang này",
    "outside": "đơn vị {id} nằm ngoài phạm vi của tài khoản",
    "parent_outside": "đơn vị cấp trên {id} nằm ngoài phạm vi của tài khoản",
    "successor_outside": "đơn vị kế thừa {id} nằm ngoài phạm vi của tài khoản: nó sẽ phải nộp thay",
    "empty": "ô này không được để trống",
    "no_parent": "đơn vị mới phải có đơn vị cấp trên trong phạm vi của tài khoản",
    "person_outside": "người {id} còn là đầu mối hoặc thủ trưởng của đơn vị ngoài phạm vi "
    "tài khoản, hoặc là lãnh đạo phụ trách; chỉ người điều phối toàn lịch được sửa",
}
_KIND_OF_LABEL = {label.casefold(): kind for kind, label in KIND_VI.items()}
_PATH = re.compile(r"^(units|people)\[(\d+)\](?:\.(\w+))?")
_SPLIT = re.compile(r"[,;\n]")
_MISSING = re.compile(r"thiếu khóa bắt buộc '(\w+)'")
_SECTIONS_VI = {"units": "trong danh sách đơn vị", "people": "trong danh sách người"}
"""The loader names the YAML's sections; a workbook's reader knows them as lists."""


@dataclass(frozen=True, slots=True)
class RowIssue:
    """One problem: where (sheet, row, column) when it is a cell's, what, and why."""

    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    """The column's header."""
    letter: str | None = None
    value: str | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"trang {self.sheet}")
        if self.row:
            where.append(f"dòng {self.row}")
        if self.column:
            where.append(f"cột {self.letter} ({self.column})" if self.letter else self.column)
        text = ", ".join(where)
        if self.value is not None:
            text += f", giá trị {self.value}"
        text = f"{text}: {self.message}" if text else self.message
        return f"{text} — hợp lệ: {self.hint}" if self.hint else text


def in_order(issues: list[RowIssue]) -> list[RowIssue]:
    """As a person fixes them: sheet by sheet (units first), row by row, left to right;
    problems that are no row's last."""
    sheets = list(SHEETS)

    def key(issue: RowIssue) -> tuple[int, int, int, str]:
        sheet = sheets.index(issue.sheet) if issue.sheet in sheets else len(sheets)
        letter = issue.letter or ""
        return sheet, issue.row or 0, len(letter), letter

    return sorted(issues, key=key)


@dataclass
class Applied:
    document: dict[str, Any]
    issues: list[RowIssue] = field(default_factory=list)
    origin: dict[tuple[str, int], Row] = field(default_factory=dict)
    """(section, index in the document's list) -> the row that wrote that entry."""
    skipped: int = 0
    """Example rows of the template left as they were."""
    rows: int = 0


def entry_of(sheet: str, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as the document's entry (the form the YAML loader reads)."""
    out: dict[str, Any] = {}
    for column in SHEETS[sheet]:
        value = values.get(column.key)
        if value is None:
            continue
        if isinstance(value, date):
            value = f"{value:%d/%m/%Y}"
        elif column.key == "focal_point":
            ids = [p.strip() for p in _SPLIT.split(str(value)) if p.strip()]
            value = ids[0] if len(ids) == 1 else ids
        elif column.key == "kind" and isinstance(value, str):
            value = _KIND_OF_LABEL.get(value.casefold(), value)
        elif column.key == "phone" and isinstance(value, int) and 8 <= len(str(value)) <= 10:
            # Typed as a number, Excel dropped the leading 0 every Vietnamese number has.
            value = f"0{value}"
        elif isinstance(value, (int, float)):
            value = str(value)
        out[column.key] = value
    return out


def canonical(sheet: str, entry: dict[str, Any]) -> dict[str, Any]:
    """A document entry as its row would bring it back: two entries that say the same
    (`01/07/2025` and `2025-07-01`, `[a]` and `a`) are equal here."""
    return entry_of(sheet, {c.key: cell_text(c.key, entry.get(c.key)) for c in SHEETS[sheet]})


def apply(document: dict[str, Any], sheets: Sheets, allowed: set[str] | None = None) -> Applied:
    """`document` with the workbook's rows laid on it (people first: units name them),
    and the problems only the workbook can have: an id twice, a row outside `allowed`."""
    new = dict(document)
    out = Applied(new)
    for sheet in (PEOPLE, UNITS):
        section = SECTIONS[sheet]
        entries = [dict(e) if isinstance(e, dict) else e for e in document.get(section) or []]
        index = {e.get("id"): i for i, e in enumerate(entries) if isinstance(e, dict)}
        seen: dict[str, int] = {}
        example = _unplaced(canonical(sheet, examples([])[sheet]))
        for row in sheets.rows.get(sheet, []):
            entry = entry_of(sheet, row.values)
            if _unplaced(entry) == example:
                out.skipped += 1
                continue
            out.rows += 1
            key = entry.get("id")
            if isinstance(key, str) and key in seen:
                out.issues.append(
                    _at(row, "id", SAYS["twice"].format(id=shown(key), first=seen[key]))
                )
                continue
            if isinstance(key, str):
                seen[key] = row.number
            at = index.get(key) if isinstance(key, str) else None
            if at is None:
                entries.append(entry)
                at = len(entries) - 1
            elif canonical(sheet, entries[at]) != entry:
                entries[at] = entry
            out.origin[(section, at)] = row
        new[section] = entries
    if allowed is not None:
        _check_scope(document, out, allowed)
    return out


def _unplaced(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry but for its parent: the example row is recognised under any parent."""
    return {k: v for k, v in entry.items() if k != "parent"}


def _at(row: Row, key: str | None, message: str, hint: str | None = None) -> RowIssue:
    column = next((c for c in SHEETS[row.sheet] if c.key == key), None)
    value = row.values.get(key) if key else None
    return RowIssue(
        message,
        row.sheet,
        row.number,
        column.header if column else None,
        row.letters.get(key) if key else None,
        shown(f"{value:%d/%m/%Y}" if isinstance(value, date) else value, 60)
        if value is not None
        else None,
        hint,
    )


def _check_scope(before: dict[str, Any], out: Applied, allowed: set[str]) -> None:
    units = [u for u in out.document.get("units") or [] if isinstance(u, dict)]
    old_parent = {
        u.get("id"): u.get("parent") for u in before.get("units") or [] if isinstance(u, dict)
    }
    old_successor = {
        u.get("id"): u.get("successor") for u in before.get("units") or [] if isinstance(u, dict)
    }
    reach: set[Any] = set(allowed)
    grew = True
    while grew:  # new units under new units of the same file
        grew = False
        for unit in units:
            key = unit.get("id")
            if key not in old_parent and key not in reach and unit.get("parent") in reach:
                reach.add(key)
                grew = True
    for (section, _at_index), row in out.origin.items():
        if section != "units":
            continue
        unit_id, parent = row.values.get("id"), entry_of(UNITS, row.values).get("parent")
        if unit_id in old_parent and unit_id not in allowed:
            out.issues.append(_at(row, "id", SAYS["outside"].format(id=shown(unit_id))))
        elif parent not in reach and (unit_id not in old_parent or parent != old_parent[unit_id]):
            said = SAYS["parent_outside"].format(id=shown(parent)) if parent else SAYS["no_parent"]
            out.issues.append(_at(row, "parent", said))
        successor = row.values.get("successor")
        if successor and successor not in reach and successor != old_successor.get(unit_id):
            said = SAYS["successor_outside"].format(id=shown(successor))
            out.issues.append(_at(row, "successor", said))
    outside = {p for u in units if u.get("id") not in reach for p in _named(u)}
    outside |= {s.get("person") for s in before.get("supervisors") or [] if isinstance(s, dict)}
    people_before = {p.get("id"): p for p in before.get("people") or [] if isinstance(p, dict)}
    for (section, at), row in out.origin.items():
        if section != "people":
            continue
        person = out.document["people"][at]
        old = people_before.get(person.get("id"))
        if old is not None and person.get("id") in outside and canonical(PEOPLE, old) != person:
            out.issues.append(_at(row, "id", SAYS["person_outside"].format(id=shown(person["id"]))))


def _named(unit: dict[str, Any]) -> list[Any]:
    focal = unit.get("focal_point") or []
    return [*(focal if isinstance(focal, list) else [focal]), unit.get("head")]


def validate(applied: Applied, source: str) -> tuple[Calendar | None, list[RowIssue]]:
    """The calendar the new document describes, through the YAML loader's own checks; its
    errors named by sheet, row, column and value where a row of the file made the entry."""
    try:
        return calendar_of(applied.document, source), []
    except CalendarError as exc:
        return None, [_mapped(applied, issue) for issue in exc.errors]


def _mapped(applied: Applied, issue: ConfigIssue) -> RowIssue:
    found = _PATH.match(issue.field)
    row = applied.origin.get((found[1], int(found[2]))) if found else None
    if row is None or found is None:
        return RowIssue(
            f"{issue.field}: {issue.message}" if issue.field else issue.message, hint=issue.hint
        )
    key, message = found[3], issue.message
    if key is None and (missing := _MISSING.fullmatch(message)):
        key, message = missing[1], SAYS["empty"]
    for section, words in _SECTIONS_VI.items():
        message = message.replace(f"trong {section}", words)
    return _at(row, key, message, issue.hint)
