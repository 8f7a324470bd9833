"""A calendar's document: the YAML file's mapping as plain JSON data, and back to YAML.

A published revision stores this document (not the validated model), so the engine
rebuilds the calendar through the same checks as a YAML file and any field the config
learns travels with the revision untouched. `to_yaml` writes a document as YAML that
reads back to the same document (YAML 1.2, as the loader reads it): `hanchot calendar
export` then `hanchot load` finds nothing changed.
"""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

from ruamel.yaml import YAML

from config.loader import load_calendar_data, load_calendar_text
from deadlines.model import Calendar

Document = dict[str, Any]

_EXPORTED = re.compile(r"^# hanchot-revision: (?P<id>[^@\s]+)@(?P<n>\d+)\s*$", re.M)


def plain(value: Any) -> Any:
    """`value` as read by ruamel (CommentedMap, ScalarInt, dates...) as plain JSON data."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def read_yaml(content: str, source: str) -> tuple[Calendar, Document]:
    """Validate YAML text (errors with lines) and return the calendar and its document."""
    calendar = load_calendar_text(content, source)
    yaml = YAML(typ="rt")
    return calendar, plain(yaml.load(content))


def calendar_of(document: Document, source: str) -> Calendar:
    """The calendar a stored document describes (raises config.errors.CalendarError)."""
    return load_calendar_data(document, source)


def exported_from(content: str) -> tuple[str, int] | None:
    """(calendar id, revision) named by the marker `to_yaml` writes, if the text has one:
    the revision an edit of an exported file is based on."""
    found = _EXPORTED.search(content)
    return (found["id"], int(found["n"])) if found else None


def to_yaml(document: Document, revision: tuple[str, int] | None = None) -> str:
    """The document as YAML; with `revision` (calendar id, number), first a comment naming
    it, so that loading an edited copy is refused if the calendar has moved on since."""
    head = ""
    if revision is not None:
        head = f"# hanchot-revision: {revision[0]}@{revision[1]}\n"
    yaml = YAML(typ="rt")
    yaml.allow_unicode = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(document, out)
    return head + out.getvalue()
