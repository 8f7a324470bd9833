"""Drafts of calendars: what a coordinator is changing in the dashboard, before publishing.

A draft is the whole calendar document (the JSON a revision stores) plus the revision it
was started from. It is written only whole (the caller validates it through the loader
first), kept when a publish is refused because someone else published in between, and
`rebase` carries the author's own changes onto the newest revision: every field of every
entry (person, unit, obligation, supervisor) and every other top-level key the author
changed since the base takes the author's value; everything else keeps the newest
revision's, so neither side's work is undone.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store import revisions
from store.base import utcnow
from store.models import Calendar, CalendarDraft

Document = dict[str, Any]

KEYED = {"people": "id", "units": "id", "obligations": "id", "supervisors": "person"}
"""The document's lists of entities and the field that names each entry."""


@dataclass(frozen=True, slots=True)
class Rebased:
    document: Document
    base: int
    overlapping: list[tuple[str, str]]
    """(list, id) of entries both the author and the newer revisions changed: the
    author's version was kept, and he should look at them again."""


def get(session: Session, key: str, author: str) -> CalendarDraft | None:
    return session.scalar(
        sa.select(CalendarDraft)
        .join(Calendar, CalendarDraft.calendar_id == Calendar.id)
        .where(Calendar.key == key, CalendarDraft.author == author)
    )


def open_draft(session: Session, key: str, author: str) -> CalendarDraft:
    """The author's draft of calendar `key`, started from the latest revision if none."""
    draft = get(session, key, author)
    if draft is not None:
        return draft
    head = revisions.latest(session, key)
    if head is None:
        raise LookupError(key)
    now = utcnow()
    draft = CalendarDraft(
        calendar_id=head.calendar_id,
        author=author,
        base_revision=head.number,
        document=copy.deepcopy(head.document),
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():  # two tabs opening the editor at once: one draft
            session.add(draft)
            session.flush()
    except IntegrityError:
        found = get(session, key, author)
        if found is None:
            raise
        return found
    return draft


def save(
    session: Session, draft: CalendarDraft, document: Document, base: int | None = None
) -> None:
    """Replace the draft's document (already validated by the caller) in one write."""
    draft.document = copy.deepcopy(document)
    if base is not None:
        draft.base_revision = base
    draft.updated_at = utcnow()
    session.flush()


def discard(session: Session, draft: CalendarDraft) -> None:
    session.delete(draft)
    session.flush()


def rebase(base: Document, mine: Document, theirs: Document, newest: int) -> Rebased:
    """`mine` (a draft started from `base`) carried onto `theirs` (revision `newest`)."""
    out = copy.deepcopy(theirs)
    overlapping: list[tuple[str, str]] = []
    for name in _union(base, mine, theirs):
        if name in KEYED:
            out[name], both = _merge_list(
                KEYED[name], base.get(name) or [], mine.get(name) or [], theirs.get(name) or []
            )
            overlapping.extend((name, key) for key in both)
            if not out[name] and name not in theirs:
                del out[name]
            continue
        if base.get(name) != mine.get(name):
            if base.get(name) != theirs.get(name) and mine.get(name) != theirs.get(name):
                overlapping.append((name, ""))
            if name in mine:
                out[name] = copy.deepcopy(mine[name])
            else:
                out.pop(name, None)
    return Rebased(out, newest, overlapping)


def _union(*documents: Document) -> list[str]:
    seen: dict[str, None] = {}
    for document in documents:
        seen.update(dict.fromkeys(document))
    return list(seen)


def _merge_list(
    field: str, base: list[Any], mine: list[Any], theirs: list[Any]
) -> tuple[list[Any], list[str]]:
    def index(items: list[Any]) -> dict[str, Any]:
        return {str(item.get(field)): item for item in items if isinstance(item, dict)}

    before, after, other = index(base), index(mine), index(theirs)
    result = dict(other)
    order = [str(item.get(field)) for item in theirs if isinstance(item, dict)]
    both: list[str] = []
    for key in _union(before, after):
        if before.get(key) == after.get(key):
            continue  # not the author's change
        if key in before and key in after and key in other:
            result[key], overlap = _merge_entry(before[key], after[key], other[key])
            if overlap:
                both.append(key)
            continue
        if before.get(key) != other.get(key) and after.get(key) != other.get(key):
            both.append(key)
        if key in after:
            result[key] = copy.deepcopy(after[key])
            if key not in order:
                order.append(key)
        else:
            result.pop(key, None)
    return [result[key] for key in order if key in result], both


def _merge_entry(
    base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """One entry both sides kept: the fields the author changed are his, the rest theirs;
    True when a field was changed on both sides to different values."""
    out, overlap = copy.deepcopy(theirs), False
    for field in _union(base, mine):
        if base.get(field) == mine.get(field):
            continue
        if base.get(field) != theirs.get(field) and mine.get(field) != theirs.get(field):
            overlap = True
        if field in mine:
            out[field] = copy.deepcopy(mine[field])
        else:
            out.pop(field, None)
    return out, overlap
