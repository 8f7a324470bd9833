"""The calendar editor: a coordinator's draft of a calendar, its preview, and publishing.

Every form (web.routes.editor_entries) changes the author's draft (store.drafts) only
when the whole resulting document passes the loader's checks, the same `hanchot check`
runs, so a draft is never half-saved. Publishing goes through the one publish path
(activities.publishing, source "dashboard") with the draft's base revision: when another
publish came first, the refusal says what it changed and the draft stays, to be rebased
onto the newest revision and published again. A coordinator limited to a subtree edits
only its units (and people); obligations, days off and supervisors are calendar-wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from activities.preview import Preview, preview
from activities.publishing import publish_document
from config.document import calendar_of
from config.errors import CalendarError, ConfigIssue
from config.warnings import calendar_warnings
from store import drafts, revisions
from store.models import Calendar, CalendarDraft, CalendarRevision, Person, Unit
from store.revisions import RevisionConflict, change_of, diff_calendars
from store.scopes import Scope, visible_calendars
from store.web_users import SessionUser
from web.deps import DB, NotFound, State, UserScope, actor, render, require
from web.routes.editor_channels import reach_warnings
from web.routes.editor_forms import Document, entries, show
from web.routes.editor_scope import scope_root, tree_order, visible
from web.routes.editor_words import (
    PERIODS,
    Names,
    change_lines,
    change_title,
    channels_vi,
    field_vi,
    value_vi,
)

router = APIRouter()
EDIT = Depends(require("calendar"))
SOURCE = "bảng điều khiển"
MESSAGES = {
    "saved": "Đã lưu vào bản nháp. Chưa có gì thay đổi với hệ thống đang chạy cho tới khi công bố.",
    "discarded": "Đã bỏ bản nháp.",
    "rebased": "Đã chuyển bản nháp lên phiên bản mới nhất; hãy xem lại rồi công bố.",
    "unchanged": "Bản nháp giống hệt phiên bản đang dùng: không có gì để công bố.",
}


@dataclass
class Editing:
    calendar: Calendar
    draft: CalendarDraft
    base: CalendarRevision
    latest: CalendarRevision
    root: str | None
    """The account's root unit (None: the whole calendar), see web.routes.editor_scope."""


def calendar_for(session: Session, scope: Scope, key: str) -> Calendar:
    for calendar in visible_calendars(session, scope):
        if calendar.key == key:
            return calendar
    raise NotFound


def editing(session: Session, scope: Scope, key: str, user: SessionUser) -> Editing:
    """The user's draft of calendar `key` (started from the latest revision if none)."""
    calendar = calendar_for(session, scope, key)
    try:
        draft = drafts.open_draft(session, key, actor(user))
    except LookupError:
        raise NotFound from None
    base = revisions.get(session, key, draft.base_revision)
    latest = revisions.latest(session, key)
    if base is None or latest is None:
        raise NotFound
    if latest.number != base.number and draft.document == base.document:
        # Nothing typed yet: an untouched draft follows the newest revision.
        drafts.save(session, draft, latest.document, base=latest.number)
        base = latest
    return Editing(calendar, draft, base, latest, scope_root(session, scope))


def check(document: Document) -> list[ConfigIssue]:
    """Every problem `hanchot check` finds in the document (empty: valid)."""
    try:
        calendar_of(document, SOURCE)
    except CalendarError as exc:
        return exc.errors
    return []


def names_of(session: Session, calendar_id: int, *documents: Document) -> Names:
    """Every name the calendar ever gave its people and units (the store keeps removed
    ones), and those of `documents` (a draft's new entries), newest last."""
    people = {  # not dict(result): a Result has keys() (its columns), so dict() misreads it
        key: name
        for key, name in session.execute(
            sa.select(Person.key, Person.name).where(Person.calendar_id == calendar_id)
        )
    }
    units = {
        key: name
        for key, name in session.execute(
            sa.select(Unit.key, Unit.name).where(Unit.calendar_id == calendar_id)
        )
    }
    for document in documents:
        people |= {str(e.get("id")): str(e.get("name")) for e in entries(document, "people")}
        units |= {str(e.get("id")): str(e.get("name")) for e in entries(document, "units")}
    return Names(people, units)


def draft_changes(session: Session, edit: Editing) -> tuple[list[dict[str, Any]], list[str]]:
    """What the draft changes from the revision it is based on, in words, and the
    warnings `hanchot check` gives the draft (valid, but likely not what was meant)."""
    if edit.draft.document == edit.base.document:
        return [], []  # nothing typed: no need to check two whole calendars
    base = calendar_of(edit.base.document, SOURCE)
    mine = calendar_of(edit.draft.document, SOURCE)
    names = names_of(session, edit.calendar.id, edit.base.document, edit.draft.document)
    changes = [
        {"title": change_title(c), "lines": change_lines(c, names)}
        for c in diff_calendars(base, mine)
    ]
    warnings = [
        f"{field_vi(w.field, edit.draft.document)}: {w.message}" if w.field else w.message
        for w in calendar_warnings(mine)
    ]
    return changes, warnings


def since(session: Session, calendar: Calendar, base: int) -> list[dict[str, Any]]:
    """The revisions published after `base`, each with its changes in words."""
    newer = [r for r in revisions.history(session, calendar.key) if r.number > base]
    names = names_of(session, calendar.id, *(r.document for r in newer))
    return [
        {
            "revision": r,
            "changes": [
                {"title": change_title(c), "lines": change_lines(c, names)}
                for c in map(change_of, r.summary)
            ],
        }
        for r in newer
    ]


SHOWN = 500
"""Rows of units and of people on the page; the search finds the others."""
UNIT_COLUMNS = ("id", "name", "kind", "parent", "focal_point", "opened", "closed", "successor")


def _matches(entry: dict[str, Any], query: str) -> bool:
    return query in f"{entry.get('id')} {entry.get('name')}".casefold()


def rows(items: list[dict[str, Any]], fields: tuple[str, ...]) -> list[dict[str, str]]:
    """Entries as the page shows them (every field present, as typed)."""
    return [{f: show(e.get(f)) for f in fields} for e in items]


def named(document: Document, name: str, ids: Any) -> list[dict[str, str]]:
    """Ids of `name` entries (people, units) with their names, for a coordinator to read
    (an id the draft does not know stays an id: the loader says what is wrong with it)."""
    names = {str(e.get("id")): str(e.get("name") or "") for e in entries(document, name)}
    listed = ids if isinstance(ids, list) else [] if ids in (None, "") else [ids]
    return [{"id": str(i), "name": names.get(str(i)) or str(i)} for i in listed]


def page(
    request: Request, session: Session, edit: Editing, status_code: int = 200, **ctx: Any
) -> Response:
    ctx.setdefault("message", None)
    ctx.setdefault("conflict", None)
    ctx.setdefault("preview", None)
    ctx.setdefault("overlapping", [])
    ctx.setdefault("rebase_issues", [])
    ctx.setdefault("calendars", [])
    document = edit.draft.document
    units, people = visible(document, edit.root)
    changes, warnings = draft_changes(session, edit)
    reach = (
        reach_warnings(session, edit.calendar.key, edit.base.document, document) if changes else []
    )
    query = (ctx.pop("q", None) or "").strip().casefold()
    ordered = tree_order(units)
    if query:
        ordered = [(u, d) for u, d in ordered if _matches(u, query)]
        people = [p for p in people if _matches(p, query)]
    return render(
        request,
        "editor.html",
        status_code,
        calendar=edit.calendar,
        draft=edit.draft,
        base=edit.base,
        latest=edit.latest,
        stale=edit.latest.number != edit.base.number,
        changes=changes,
        warnings=warnings,
        reach=reach,
        units=[
            {
                **rows([u], UNIT_COLUMNS)[0],
                "depth": min(d, 9),
                "focal": named(document, "people", u.get("focal_point")),
                "above": named(document, "units", u.get("parent")),
            }
            for u, d in ordered[:SHOWN]
        ],
        units_total=len(ordered),
        q=query,
        people=[
            {**row, "channels": channels_vi(p.get("channels")) if p.get("channels") else ""}
            for p, row in zip(
                people[:SHOWN],
                rows(people[:SHOWN], ("id", "name", "email", "telegram", "phone")),
                strict=True,
            )
        ],
        people_total=len(people),
        shown=SHOWN,
        obligations=rows(entries(document, "obligations"), ("id", "name", "period", "due")),
        wide=edit.root is None,
        periods=PERIODS,
        days_off=len(document.get("days_off") or []),
        saturdays=len(document.get("working_saturdays") or []),
        **ctx,
    )


def preview_lines(found: Preview, document: Document) -> dict[str, list[str]]:
    """The preview in words: cycles by obligation name and period, people by name."""
    names = {str(o.get("id")): str(o.get("name")) for o in entries(document, "obligations")}
    people = {str(p.get("id")): str(p.get("name")) for p in entries(document, "people")}

    def cycle(workflow_id: str) -> str:
        parts = workflow_id.split("/")  # cycle/<calendar>/<obligation>/<period>
        if len(parts) != 4:
            return workflow_id
        return f"{names.get(parts[2], parts[2])} — kỳ {parts[3]}"

    return {
        "engine": [
            *(f"mở kỳ {name} — {label}" for _, name, label in found.opening),
            *(f"bắt đầu theo dõi {n} ({u}) trong {cycle(c)}" for c, u, n in found.starting),
            *(f"dừng nhắc {n} ({u}) trong {cycle(c)}: {why}" for c, u, n, why in found.stopping),
            *(
                f"đổi hạn hoặc lịch nhắc của {m.unit}: hạn cuối "
                f"{value_vi(m.legal_end[0])} → {value_vi(m.legal_end[1])}"
                for m in found.moving
            ),
            *(line.text() for line in found.catch_up),
        ],
        "people": [f"{people.get(pid, pid)} ({pid}): {why}" for pid, why in found.people.items()],
    }


@router.get("/editor", response_model=None)
def editor_home(session: DB, scope: UserScope, user: SessionUser = EDIT) -> Response:
    calendars = visible_calendars(session, scope)
    if not calendars:
        raise NotFound
    return RedirectResponse(f"/editor/{calendars[0].key}", status_code=303)


@router.get("/editor/{calendar}", response_model=None)
def draft_page(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: str,
    msg: str | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    user: SessionUser = EDIT,
) -> Response:
    with state.writer() as session, session.begin():
        edit = editing(session, scope, calendar, user)
        others = [c for c in visible_calendars(session, scope) if c.key != calendar]
        return page(request, session, edit, message=MESSAGES.get(msg or ""), q=q, calendars=others)


@router.get("/editor/{calendar}/preview", response_model=None)
def preview_page(
    request: Request, state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    with state.writer() as session, session.begin():
        edit = editing(session, scope, calendar, user)
        found = preview(session, calendar_of(edit.draft.document, SOURCE), state.clock())
        return page(request, session, edit, preview=preview_lines(found, edit.draft.document))


def _publish(request: Request, state: State, scope: Scope, key: str, user: SessionUser) -> Response:
    with state.writer() as session:
        with session.begin():
            edit = editing(session, scope, key, user)
            base, document = edit.draft.base_revision, dict(edit.draft.document)
        try:
            with session.begin():
                done = publish_document(
                    session, document, source="dashboard", author=actor(user), base=base
                )
                if done.number is not None:
                    drafts.discard(session, drafts.open_draft(session, key, actor(user)))
        except RevisionConflict:
            with session.begin():
                edit = editing(session, scope, key, user)
                conflict = since(session, edit.calendar, base)
                return page(request, session, edit, 409, conflict=conflict)
    if done.number is None:
        return RedirectResponse(f"/editor/{key}?msg=unchanged", status_code=303)
    return RedirectResponse(f"/history/{key}?published={done.number}", status_code=303)


@router.post("/editor/{calendar}/publish", response_model=None)
async def publish(
    request: Request, state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    return await run_in_threadpool(_publish, request, state, scope, calendar, user)


def _rebase(request: Request, state: State, scope: Scope, key: str, user: SessionUser) -> Response:
    with state.writer() as session, session.begin():
        edit = editing(session, scope, key, user)
        if edit.latest.number == edit.base.number:
            return RedirectResponse(f"/editor/{key}", status_code=303)
        moved = drafts.rebase(
            edit.base.document, edit.draft.document, edit.latest.document, edit.latest.number
        )
        if issues := check(moved.document):
            lines = [
                f"{field_vi(i.field, moved.document)}: {i.message}" if i.field else i.message
                for i in issues
            ]
            return page(request, session, edit, 409, rebase_issues=lines)
        drafts.save(session, edit.draft, moved.document, base=moved.base)
        edit = editing(session, scope, key, user)
        return page(
            request, session, edit, message=MESSAGES["rebased"], overlapping=moved.overlapping
        )


@router.post("/editor/{calendar}/rebase", response_model=None)
async def rebase(
    request: Request, state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    return await run_in_threadpool(_rebase, request, state, scope, calendar, user)


def _discard(state: State, scope: Scope, key: str, user: SessionUser) -> Response:
    with state.writer() as session, session.begin():
        calendar_for(session, scope, key)
        draft = drafts.get(session, key, actor(user))
        if draft is not None:
            drafts.discard(session, draft)
    return RedirectResponse(f"/editor/{key}?msg=discarded", status_code=303)


@router.post("/editor/{calendar}/discard", response_model=None)
async def discard(
    state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    return await run_in_threadpool(_discard, state, scope, calendar, user)
