"""Importing units and people from a workbook: read, lay onto the newest revision, check,
preview, publish; and the template and export the workbook starts from.

The same steps for `hanchot calendar import-units` and the dashboard's import page. The
whole file is refused at the first hint of a hostile upload, and the whole import at any
row's error (all or nothing); what passes is previewed as additions, changes and closures
per unit kind and as the engine's own preview (`activities.preview`), then published
through `activities.publishing` with source "import" and the revision it was laid onto as
its base, so an import prepared before someone else's publish is refused, not merged.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from activities.calendars import revision_calendar
from activities.preview import Preview, preview
from activities.publishing import publish_document
from config import workbook
from config.workbook_apply import RowIssue, apply, in_order, validate
from config.workbook_read import read_workbook
from deadlines.model import Calendar
from store import revisions
from store.changes import Action, Change, Entity
from store.revisions import Published, RevisionConflict, diff_calendars

__all__ = ["RevisionConflict"]

SAYS = {
    "no_revision": "lịch {id} chưa có phiên bản nào được công bố; hãy nạp lịch "
    "(hanchot load) trước khi nhập đơn vị",
}


class ImportRefused(ValueError):
    """Nothing can be read or done with this file or calendar; the message says why."""


@dataclass(frozen=True, slots=True)
class KindCount:
    kind: str
    added: int = 0
    changed: int = 0
    closed: int = 0


@dataclass
class Prepared:
    """What an import would do: its errors, or its changes and the engine's preview."""

    calendar: str
    base: int
    """The revision the file was laid onto."""
    rows: int
    skipped: int
    issues: list[RowIssue] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    kinds: list[KindCount] = field(default_factory=list)
    people: tuple[int, int] = (0, 0)
    """(added, changed)."""
    engine: Preview | None = None
    document: dict[str, Any] | None = None
    model: Calendar | None = None

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def changed(self) -> bool:
        return self.ok and bool(self.changes)


def latest_document(session: Session, key: str) -> tuple[int, dict[str, Any]]:
    found = revisions.latest(session, key)
    if found is None:
        raise ImportRefused(SAYS["no_revision"].format(id=key))
    return found.number, dict(found.document)


def subtree(document: dict[str, Any], root: str) -> set[str]:
    """`root` and every unit below it in the document's tree."""
    children: dict[Any, list[Any]] = {}
    for unit in document.get("units") or []:
        if isinstance(unit, dict):
            children.setdefault(unit.get("parent"), []).append(unit.get("id"))
    out, stack = set(), [root]
    while stack:
        key = stack.pop()
        if key not in out:
            out.add(key)
            stack.extend(children.get(key, []))
    return out


def template(session: Session, key: str, scope_root: str | None = None) -> bytes:
    _number, document = latest_document(session, key)
    allowed = subtree(document, scope_root) if scope_root is not None else None
    return workbook.template(document, allowed)


def export(session: Session, key: str, scope_root: str | None = None) -> bytes:
    _number, document = latest_document(session, key)
    allowed = subtree(document, scope_root) if scope_root is not None else None
    return workbook.export(document, allowed)


def prepare(
    session: Session, key: str, data: bytes, scope_root: str | None = None, *, engine: bool = True
) -> Prepared:
    """Read `data` (raises ImportRefused, WorkbookRefused) and lay it onto the newest
    revision of calendar `key`; with `scope_root`, only that unit's subtree may change.
    Writes nothing."""
    sheets = read_workbook(data)
    base, document = latest_document(session, key)
    allowed = subtree(document, scope_root) if scope_root is not None else None
    applied = apply(document, sheets, allowed)
    out = Prepared(key, base, applied.rows, applied.skipped, list(applied.issues))
    model, issues = validate(applied, f"{key}@{base}+import")
    out.issues = in_order([*out.issues, *issues])
    if out.issues or model is None:
        return out
    before = revisions.get(session, key, base)
    assert before is not None
    out.changes = diff_calendars(revision_calendar(key, before), model)
    out.kinds, out.people = _counts(out.changes, model)
    out.document, out.model = applied.document, model
    if engine and out.changes:
        out.engine = preview(session, model)
    return out


def _counts(changes: list[Change], model: Calendar) -> tuple[list[KindCount], tuple[int, int]]:
    kinds = {u.id: u.kind for u in model.units}
    tally: Counter[tuple[str, str]] = Counter()
    people = Counter[Action]()
    for change in changes:
        if change.entity is Entity.PERSON:
            people[change.action] += 1
        if change.entity is not Entity.UNIT:
            continue
        kind = kinds.get(change.key, "")
        closed = any(f.field == "closed" and not f.old and f.new for f in change.fields)
        what = "closed" if closed else change.action.value
        tally[(kind, what)] += 1
    out = [
        KindCount(k, tally[(k, "added")], tally[(k, "changed")], tally[(k, "closed")])
        for k in sorted({k for k, _ in tally})
    ]
    return out, (people[Action.ADDED], people[Action.CHANGED])


def publish(session: Session, prepared: Prepared, author: str, source_ref: str) -> Published:
    """Publish a prepared import as the next revision, based on the revision it was laid
    onto (RevisionConflict when someone published since). The caller commits."""
    if not prepared.ok or prepared.document is None:
        raise ValueError("an import with errors cannot be published")
    return publish_document(
        session,
        prepared.document,
        source="import",
        author=author,
        source_ref=source_ref,
        base=prepared.base,
        calendar=prepared.model,
    )
