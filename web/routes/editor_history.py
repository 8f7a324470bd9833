"""History: a calendar's published revisions with what each changed, in words; and one
unit's history across revisions: every change to its name, place in the tree, dates,
successor, and to its people (who is focal point or head, and their contact details).

The revisions are the record (store.revisions: immutable, with author, time and
source), so both views are computed from them; nothing else is kept for history.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.orm import defer

from store import queues, revisions, unit_history
from store.models import CalendarRevision
from store.revisions import change_of
from store.web_users import SessionUser
from web.deps import DB, NotFound, UserScope, render, require
from web.params import Id, IdQuery
from web.routes.editor import calendar_for, names_of
from web.routes.editor_forms import Document, entries, show
from web.routes.editor_words import (
    FIELD,
    PERSON_REFS,
    UNIT_REFS,
    change_counts,
    change_lines,
    change_title,
    field_value_vi,
    named_vi,
    value_vi,
)

router = APIRouter()
VIEW = Depends(require("view"))
LONG_REVISION = 20
"""A revision with more changes than this is shown counted, its list folded."""
UNIT_KEYS = ("name", "kind", "parent", "opened", "closed", "successor", "focal_point", "head")
PERSON_KEYS = ("name", "email", "telegram", "phone", "channels")


@router.get("/history/{calendar}", response_model=None)
def calendar_history(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str,
    published: IdQuery = None,
    user: SessionUser = VIEW,
) -> Response:
    chosen = calendar_for(session, scope, calendar)
    names = names_of(session, chosen.id)
    listed = [
        {
            "revision": r,
            "changes": [
                {"title": change_title(c), "lines": change_lines(c, names)} for c in changes
            ],
            "counted": change_counts(changes) if len(changes) > LONG_REVISION else None,
        }
        for r, changes in (
            (r, [change_of(c) for c in r.summary])
            for r in session.scalars(
                sa.select(CalendarRevision)
                .where(CalendarRevision.calendar_id == chosen.id)
                .order_by(CalendarRevision.number.desc())
                .options(defer(CalendarRevision.document))  # summaries only: documents are big
            )
        )
    ]
    return render(
        request, "editor_history.html", calendar=chosen, revisions=listed, published=published
    )


def _unit(document: Document, key: str) -> dict[str, Any] | None:
    return next((u for u in entries(document, "units") if str(u.get("id")) == key), None)


def _people(document: Document, unit: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The unit's focal points and head, each with their contact details."""
    if unit is None:
        return {}
    wanted = set(show(unit.get("focal_point")).replace(",", " ").split())
    if unit.get("head"):
        wanted.add(str(unit["head"]))
    return {str(p.get("id")): p for p in entries(document, "people") if str(p.get("id")) in wanted}


def _named(document: Document, field: str, value: Any) -> str:
    """A unit field's value in words; people and units by name and id (`Trần Văn A (fp-a)`)."""
    kind = "people" if field in PERSON_REFS else "units" if field in UNIT_REFS else None
    if kind is None or not value:
        return value_vi(show(value))
    names = {str(e.get("id")): str(e.get("name")) for e in entries(document, kind)}
    return named_vi(show(value).replace(",", " ").split(), names)


def unit_changes(history: list[CalendarRevision], key: str) -> list[dict[str, Any]]:
    """Per revision that touched the unit `key` or its people: what changed, in words."""
    out: list[dict[str, Any]] = []
    before: Document = {}
    for revision in history:
        after = revision.document
        old, new = _unit(before, key), _unit(after, key)
        lines: list[str] = []
        if old is None and new is not None:
            lines.append("đơn vị xuất hiện trong lịch")
        elif old is not None and new is None:
            lines.append("đơn vị bị bỏ khỏi lịch")
        for field in UNIT_KEYS:
            was, now = (old or {}).get(field), (new or {}).get(field)
            if old is not None and new is not None and was != now:
                shown = _named(before, field, was), _named(after, field, now)
                lines.append(f"{FIELD[field]}: {shown[0]} → {shown[1]}")
            elif old is None and new is not None and now not in (None, "", []):
                lines.append(f"{FIELD[field]}: {_named(after, field, now)}")
        before_people, after_people = _people(before, old), _people(after, new)
        for pid in sorted(set(before_people) & set(after_people)):
            for field in PERSON_KEYS:
                was, now = before_people[pid].get(field), after_people[pid].get(field)
                shown = field_value_vi(field, was), field_value_vi(field, now)
                if shown[0] != shown[1]:  # "Zalo, email" and [zalo, email] are one order
                    name = after_people[pid].get("name", pid)
                    lines.append(f"{name} ({pid}) — {FIELD[field]}: {shown[0]} → {shown[1]}")
        if lines:
            out.append({"revision": revision, "lines": lines})
        before = after
    out.reverse()
    return out


@router.get("/history/units/{unit_id}", response_model=None)
def unit_history_page(
    request: Request, session: DB, scope: UserScope, unit_id: Id, user: SessionUser = VIEW
) -> Response:
    unit = unit_history.unit_row(session, unit_id)
    if unit is None or not scope.allows_calendar(unit.calendar_id):
        raise NotFound
    if not queues.in_scope(session, scope, unit_id):
        raise NotFound
    key = unit.calendar.key
    changes = unit_changes(revisions.history(session, key), unit.key)
    return render(request, "editor_unit_history.html", unit=unit, changes=changes)
