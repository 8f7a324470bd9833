"""The editor's forms as edits of a calendar document: what each form shows, and the
document after it is submitted (pure functions; web.routes.editor validates and stores).

A form edits a known set of fields of one entry and keeps every other key of the entry
as it was (a field the form does not show, like `feeds` or `working_hours`, survives an
edit untouched). Values are written the way the YAML file writes them ("before 15/06",
"-7d, -3d", dd/mm/yyyy): the loader checks them, so a form never has its own rules.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from web.routes.editor_words import channels_typed

Document = dict[str, Any]
Form = Mapping[str, str]

UNIT_FIELDS = (
    "id",
    "name",
    "kind",
    "parent",
    "opened",
    "closed",
    "successor",
    "focal_point",
    "head",
)
PERSON_FIELDS = ("id", "name", "email", "telegram", "phone", "channels", "language")
PERSON_LINKS = ("focal_of", "head_of", "supervises")
OBLIGATION_FIELDS = (
    "id",
    "name",
    "period",
    "due",
    "window",
    "reading",
    "kinds",
    "units",
    "subtrees",
    "exclude",
    "receiver",
    "reminders",
    "escalation",
    "data_window",
    "from_year",
    "until_year",
    "source",
)
LISTS = {"focal_point", "kinds", "units", "subtrees", "exclude", "reminders"}
SUBMITTERS = ("kinds", "units", "subtrees", "exclude")
_SPLIT = re.compile(r"[,\s]+")
NONE = "không"
"""Written in the reminders or escalation field: none at all (an empty field: the defaults)."""


def entries(document: Document, name: str) -> list[dict[str, Any]]:
    return [e for e in document.get(name) or [] if isinstance(e, dict)]


def find(document: Document, name: str, key: str, field: str = "id") -> int | None:
    for i, entry in enumerate(document.get(name) or []):
        if isinstance(entry, dict) and str(entry.get(field)) == key:
            return i
    return None


def show(value: Any) -> str:
    """A document value as a person types it."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(show(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {show(v)}" for k, v in value.items())
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return date.fromisoformat(text).strftime("%d/%m/%Y")
    return text


def _ids(text: str) -> list[str]:
    return [part for part in _SPLIT.split(text.strip()) if part]


def _set(entry: dict[str, Any], key: str, value: Any) -> None:
    if value in (None, "", []):
        entry.pop(key, None)
    else:
        entry[key] = value


def _scalar_or_list(items: list[str]) -> str | list[str] | None:
    return None if not items else items[0] if len(items) == 1 else items


# ---- units -----------------------------------------------------------------------------


def unit_values(document: Document, key: str | None) -> dict[str, str]:
    i = find(document, "units", key) if key else None
    entry = document["units"][i] if i is not None else {}
    return {f: show(entry.get(f)) for f in UNIT_FIELDS}


def apply_unit(document: Document, key: str | None, form: Form) -> tuple[Document, str]:
    """The document with unit `key` (None: a new one) as the form says; its path."""
    out = copy.deepcopy(document)
    units = out.setdefault("units", [])
    i = find(out, "units", key) if key else None
    if i is None:
        units.append({"id": form.get("id", "").strip()})
        i = len(units) - 1
    entry = units[i]
    for f in UNIT_FIELDS[1:]:
        raw = form.get(f, "").strip()
        value: Any = _scalar_or_list(_ids(raw)) if f == "focal_point" else raw
        _set(entry, f, value)
    return out, f"units[{i}]"


# ---- people ----------------------------------------------------------------------------


def person_values(document: Document, key: str | None) -> dict[str, str]:
    i = find(document, "people", key) if key else None
    entry = document["people"][i] if i is not None else {}
    values = {f: show(entry.get(f)) for f in PERSON_FIELDS}
    values["channels"] = channels_typed(entry.get("channels"))
    focal, head = [], []
    for unit in entries(document, "units"):
        if key and key in _as_list(unit.get("focal_point")):
            focal.append(str(unit.get("id")))
        if key and unit.get("head") == key:
            head.append(str(unit.get("id")))
    j = find(document, "supervisors", key, "person") if key else None
    values["focal_of"] = ", ".join(focal)
    values["head_of"] = ", ".join(head)
    values["supervises"] = show(document["supervisors"][j].get("units")) if j is not None else ""
    return values


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def apply_person(document: Document, key: str | None, form: Form) -> tuple[Document, str]:
    """The person as the form says, and the units whose focal point / head they are, and
    the units they supervise (the supervisors entry), all in one edit."""
    out = copy.deepcopy(document)
    people = out.setdefault("people", [])
    i = find(out, "people", key) if key else None
    if i is None:
        people.append({"id": form.get("id", "").strip()})
        i = len(people) - 1
    entry = people[i]
    for f in PERSON_FIELDS[1:]:
        _set(entry, f, form.get(f, "").strip())
    order = [c.strip() for c in form.get("channels", "").split(",")]
    _set(entry, "channels", order if any(order) else None)  # the loader judges each name
    pid = str(entry.get("id"))
    focal, head = set(_ids(form.get("focal_of", ""))), set(_ids(form.get("head_of", "")))
    for unit in entries(out, "units"):
        uid = str(unit.get("id"))
        points = _as_list(unit.get("focal_point"))
        if uid in focal and pid not in points:
            points.append(pid)
        elif uid not in focal and pid in points:
            points.remove(pid)
        _set(unit, "focal_point", _scalar_or_list(points))
        if uid in head:
            unit["head"] = pid
        elif unit.get("head") == pid:
            unit.pop("head")
    roots = _ids(form.get("supervises", ""))
    j = find(out, "supervisors", pid, "person")
    if roots and j is None:
        out.setdefault("supervisors", []).append({"person": pid, "units": roots})
    elif roots and j is not None:
        out["supervisors"][j]["units"] = roots
    elif j is not None:
        del out["supervisors"][j]
    return out, f"people[{i}]"


def remove(document: Document, name: str, key: str) -> Document:
    out = copy.deepcopy(document)
    i = find(out, name, key)
    if i is not None:
        del out[name][i]
    return out


# ---- obligations -----------------------------------------------------------------------


def obligation_values(document: Document, key: str | None) -> dict[str, str]:
    i = find(document, "obligations", key) if key else None
    entry = document["obligations"][i] if i is not None else {}
    values = {f: show(entry.get(f)) for f in OBLIGATION_FIELDS if f not in SUBMITTERS}
    subs = entry.get("submitters") or {}
    for f in SUBMITTERS:
        values[f] = show(subs.get(f)) if isinstance(subs, dict) else ""
    values["receiver"] = _show_receiver(entry.get("receiver"))
    values["escalation"] = ", ".join(
        f"{show(s.get('after'))} {show(s.get('to'))}"
        for s in entry.get("escalation") or []
        if isinstance(s, dict)
    )
    for f in ("reminders", "escalation"):
        if entry.get(f) == []:
            values[f] = NONE  # none at all, which is not the calendar's defaults
    return values


def _show_receiver(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(
            f"{show(r.get('unit'))} từ {show(r.get('from'))}"
            if r.get("from")
            else show(r.get("unit"))
            for r in value
            if isinstance(r, dict)
        )
    return show(value)


def _receiver(text: str) -> Any:
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if len(parts) <= 1 and " từ " not in text:
        return text.strip()
    out: list[dict[str, str]] = []
    for part in parts:
        unit, _, since = part.partition(" từ ")
        out.append({"unit": unit.strip(), **({"from": since.strip()} if since.strip() else {})})
    return out


def _due(text: str) -> Any:
    """ "before 15/06", or one rule per period: "H1: before 15/06; H2: before 15/12"."""
    parts = [p.strip() for p in text.split(";") if p.strip()]
    if parts and all(re.match(r"^[\w-]+\s*:", p) for p in parts):
        return {k.strip(): v.strip() for k, _, v in (p.partition(":") for p in parts)}
    return text.strip()


def _escalation(text: str) -> Any:
    steps = [s.split() for s in text.split(",") if s.strip()]
    return [{"after": s[0], "to": " ".join(s[1:])} for s in steps] if steps else None


def _year(text: str) -> Any:
    return int(text) if text.strip().isdigit() else text.strip()


def apply_obligation(document: Document, key: str | None, form: Form) -> tuple[Document, str]:
    out = copy.deepcopy(document)
    items = out.setdefault("obligations", [])
    i = find(out, "obligations", key) if key else None
    if i is None:
        items.append({"id": form.get("id", "").strip()})
        i = len(items) - 1
    entry = items[i]
    get = {f: form.get(f, "").strip() for f in OBLIGATION_FIELDS}
    for f in ("name", "period", "window", "reading", "data_window", "source"):
        _set(entry, f, get[f])
    _set(entry, "due", _due(get["due"]))
    _set(entry, "receiver", _receiver(get["receiver"]))
    _set(entry, "reminders", _ids(get["reminders"]) if get["reminders"] else None)
    _set(entry, "escalation", _escalation(get["escalation"]))
    for f in ("reminders", "escalation"):
        if get[f].casefold() == NONE:
            entry[f] = []
    _set(entry, "from_year", _year(get["from_year"]))
    _set(entry, "until_year", _year(get["until_year"]))
    subs = dict(entry.get("submitters") or {}) if isinstance(entry.get("submitters"), dict) else {}
    for f in SUBMITTERS:
        _set(subs, f, _ids(get[f]))
    _set(entry, "submitters", subs)
    return out, f"obligations[{i}]"


# ---- days off and working Saturdays ------------------------------------------------------


def days_values(document: Document) -> dict[str, str]:
    return {name: _show_days(document.get(name)) for name in ("days_off", "working_saturdays")}


def _show_days(value: Any) -> str:
    lines = []
    for item in value or []:
        if isinstance(item, dict):
            lines.append(f"{show(item.get('date'))} {show(item.get('name'))}".strip())
        else:
            lines.append(show(item))
    return "\n".join(lines)


def apply_days(document: Document, form: Form) -> Document:
    """One day per line: "dd/mm/yyyy" or "dd/mm/yyyy Tên ngày nghỉ"."""
    out = copy.deepcopy(document)
    for name in ("days_off", "working_saturdays"):
        days: list[Any] = []
        for line in form.get(name, "").splitlines():
            day, _, label = line.strip().partition(" ")
            if day:
                days.append({"date": day, "name": label.strip()} if label.strip() else day)
        out[name] = days
    return out


# ---- errors beside their fields --------------------------------------------------------


LINKS = {"focal_point": "focal_of", "head": "head_of"}


def place(field: str, path: str | None, kind: str) -> str | None:
    """The form field an error at document path `field` belongs to (None: the form has
    no such field; the error is shown above the form)."""
    if path is not None and (field == path or field.startswith(path + ".")):
        rest = field[len(path) + 1 :]
        name = re.match(r"\w+", rest)
        if name is None:
            return ""
        word = name.group()
        if word == "submitters":
            sub = re.match(r"submitters\.(\w+)", rest)
            return sub.group(1) if sub and sub.group(1) in SUBMITTERS else "kinds"
        return word
    if kind == "person" and (m := re.match(r"units\[\d+\]\.(focal_point|head)", field)):
        return LINKS[m.group(1)]
    if kind == "person" and field.startswith("supervisors"):
        return "supervises"
    if kind == "days" and (m := re.match(r"(days_off|working_saturdays)\b", field)):
        return m.group(1)
    return None
