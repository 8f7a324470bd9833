"""The editor's forms: a unit, a person, an obligation, the year's days off.

Each POST builds the whole document the form asks for (web.routes.editor_forms), checks
it through the loader and saves the draft only if it passes; otherwise the form comes
back with what was typed and each error of `hanchot check` beside its field (an error
the form has no field for is listed above it, with where it is in the calendar).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from config.errors import ConfigIssue
from store import drafts
from store.scopes import Scope
from store.web_users import SessionUser
from web.deps import NotFound, State, UserScope, render, require
from web.routes import editor_forms as ef
from web.routes.editor import check, editing
from web.routes.editor_channels import standing
from web.routes.editor_scope import outside_scope, visible
from web.routes.editor_words import CHANNEL_ORDERS, FIELD, HINT, PERIODS, READINGS, field_vi
from web.security import read_form

router = APIRouter()
EDIT = Depends(require("calendar"))

KINDS: dict[str, dict[str, Any]] = {
    "units": {
        "fields": ef.UNIT_FIELDS,
        "values": ef.unit_values,
        "apply": ef.apply_unit,
        "title": ("Thêm đơn vị", "Sửa đơn vị"),
        "error": "unit",
    },
    "people": {
        "fields": (*ef.PERSON_FIELDS, *ef.PERSON_LINKS),
        "values": ef.person_values,
        "apply": ef.apply_person,
        "title": ("Thêm người", "Sửa thông tin người"),
        "error": "person",
    },
    "obligations": {
        "fields": ef.OBLIGATION_FIELDS,
        "values": ef.obligation_values,
        "apply": ef.apply_obligation,
        "title": ("Thêm nghĩa vụ báo cáo", "Sửa nghĩa vụ báo cáo"),
        "error": "obligation",
    },
}
SELECTS = {
    "period": {"": "(chọn)", **PERIODS},
    "reading": READINGS,
    "language": {"": "theo lịch (vi)", "vi": "Tiếng Việt", "en": "English"},
    "channels": CHANNEL_ORDERS,
}
SUGGEST = {
    **dict.fromkeys(
        (
            "parent",
            "successor",
            "focal_of",
            "head_of",
            "supervises",
            "units",
            "subtrees",
            "exclude",
            "receiver",
        ),
        "ma-don-vi",
    ),
    **dict.fromkeys(("focal_point", "head"), "ma-nguoi"),
}
"""Fields naming units or people: the browser suggests the calendar's ids as one types."""
SCOPE_REFUSED = (
    "Tài khoản của bạn chỉ được sửa các đơn vị trong phạm vi {root}; thay đổi này chạm tới: {what}."
)


def _fields(
    names: tuple[str, ...],
    values: dict[str, str],
    errors: dict[str, list[str]],
    fixed: bool,
    notes: dict[str, str],
) -> list[dict[str, Any]]:
    out = []
    for name in names:
        options, value = SELECTS.get(name), values.get(name, "")
        if options is not None and value not in options:
            options = {**options, value: value}  # kept as typed, for the loader to judge
        out.append(
            {
                "name": name,
                "label": FIELD.get(name, name),
                "value": value,
                "hint": HINT.get(name, ""),
                "note": notes.get(name, ""),
                "errors": errors.get(name, []),
                "options": options,
                "multiline": name in ("days_off", "working_saturdays", "source"),
                "readonly": fixed and name == "id",
                "suggest": SUGGEST.get(name),
            }
        )
    return out


def _place(
    issues: list[ConfigIssue], path: str | None, kind: str, document: ef.Document
) -> tuple[dict[str, list[str]], list[str]]:
    beside: dict[str, list[str]] = {}
    above: list[str] = []
    for issue in issues:
        text = issue.message + (f" — hợp lệ: {issue.hint}" if issue.hint else "")
        field = ef.place(issue.field, path, kind)
        if field:
            beside.setdefault(field, []).append(text)
        else:
            above.append(f"{field_vi(issue.field, document)}: {text}" if issue.field else text)
    return beside, above


def _form_page(
    request: Request,
    seen: tuple[ef.Document, str | None],
    calendar: str,
    kind: str,
    key: str | None,
    values: dict[str, str],
    status_code: int = 200,
    errors: dict[str, list[str]] | None = None,
    above: list[str] | None = None,
    notes: dict[str, str] | None = None,
) -> Response:
    spec = KINDS.get(kind)
    units, people = visible(*seen)  # suggestions within the account's scope only
    names = spec["fields"] if spec else ("days_off", "working_saturdays")
    title = spec["title"][key is not None] if spec else "Ngày nghỉ và ngày làm bù"
    action = f"/editor/{calendar}/{kind}/" + (key if key else "new")
    return render(
        request,
        "editor_form.html",
        status_code,
        calendar=calendar,
        kind=kind,
        key=key,
        title=title,
        action=action if spec else f"/editor/{calendar}/days",
        fields=_fields(names, values, errors or {}, key is not None, notes or {}),
        above=above or [],
        removable=spec is not None and key is not None,
        unit_ids=[(str(u.get("id")), str(u.get("name"))) for u in units],
        person_ids=[(str(p.get("id")), str(p.get("name"))) for p in people],
    )


def _notes(
    session: Session, calendar: str, kind: str, key: str | None, document: ef.Document
) -> dict[str, str]:
    """What the store knows beside a form's fields: a person's standing on each channel."""
    i = ef.find(document, kind, key) if kind == "people" and key else None
    if i is None:
        return {}
    return {"channels": standing(session, calendar, document["people"][i])}


def _show(
    request: Request,
    state: State,
    scope: Scope,
    calendar: str,
    kind: str,
    key: str | None,
    user: SessionUser,
) -> Response:
    with state.writer() as session, session.begin():
        edit = editing(session, scope, calendar, user)
        document = edit.draft.document
        if kind == "days":
            return _form_page(
                request, (document, edit.root), calendar, kind, None, ef.days_values(document)
            )
        if key is not None and ef.find(document, kind, key) is None:
            raise NotFound
        if key is not None and edit.root is not None and kind in ("units", "people"):
            units, people = visible(document, edit.root)
            if key not in {str(e.get("id")) for e in (units if kind == "units" else people)}:
                raise NotFound  # outside the account's subtree
        return _form_page(
            request,
            (document, edit.root),
            calendar,
            kind,
            key,
            KINDS[kind]["values"](document, key),
            notes=_notes(session, calendar, kind, key, document),
        )


def _save(
    request: Request,
    state: State,
    scope: Scope,
    calendar: str,
    kind: str,
    key: str | None,
    form: dict[str, str],
    user: SessionUser,
) -> Response:
    with state.writer() as session, session.begin():
        edit = editing(session, scope, calendar, user)
        before = edit.draft.document
        path: str | None = None
        if key is not None and ef.find(before, kind, key) is None:
            raise NotFound  # removed meanwhile (another tab): never re-created by an edit
        if kind == "days":
            after = ef.apply_days(before, form)
        elif form.get("remove") and key is not None:
            after = ef.remove(before, kind, key)
        else:
            after, path = KINDS[kind]["apply"](before, key, form)
        root = edit.root
        if outside := outside_scope(before, after, root):
            what = ", ".join(outside)
            message = SCOPE_REFUSED.format(root=root, what=what)
            return _form_page(
                request, (before, root), calendar, kind, key, form, 403, above=[message]
            )
        issues = check(after)
        if issues:
            error_kind = KINDS[kind]["error"] if kind in KINDS else "days"
            beside, above = _place(issues, path, error_kind, after)
            notes = _notes(session, calendar, kind, key, before)
            return _form_page(
                request, (before, root), calendar, kind, key, form, 422, beside, above, notes
            )
        drafts.save(session, edit.draft, after)
    return RedirectResponse(f"/editor/{calendar}?msg=saved", status_code=303)


def _known(kind: str) -> None:
    if kind not in KINDS:
        raise NotFound


@router.get("/editor/{calendar}/days", response_model=None)
def days_form(
    request: Request, state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    return _show(request, state, scope, calendar, "days", None, user)


@router.post("/editor/{calendar}/days", response_model=None)
async def days_save(
    request: Request, state: State, scope: UserScope, calendar: str, user: SessionUser = EDIT
) -> Response:
    form = _text(await read_form(request))
    return await run_in_threadpool(_save, request, state, scope, calendar, "days", None, form, user)


@router.get("/editor/{calendar}/{kind}/new", response_model=None)
def new_form(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: str,
    kind: str,
    user: SessionUser = EDIT,
) -> Response:
    _known(kind)
    return _show(request, state, scope, calendar, kind, None, user)


@router.post("/editor/{calendar}/{kind}/new", response_model=None)
async def new_save(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: str,
    kind: str,
    user: SessionUser = EDIT,
) -> Response:
    _known(kind)
    form = _text(await read_form(request))
    return await run_in_threadpool(_save, request, state, scope, calendar, kind, None, form, user)


@router.get("/editor/{calendar}/{kind}/{key}", response_model=None)
def edit_form(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: str,
    kind: str,
    key: str,
    user: SessionUser = EDIT,
) -> Response:
    _known(kind)
    return _show(request, state, scope, calendar, kind, key, user)


@router.post("/editor/{calendar}/{kind}/{key}", response_model=None)
async def edit_save(
    request: Request,
    state: State,
    scope: UserScope,
    calendar: str,
    kind: str,
    key: str,
    user: SessionUser = EDIT,
) -> Response:
    _known(kind)
    form = _text(await read_form(request))
    return await run_in_threadpool(_save, request, state, scope, calendar, kind, key, form, user)


def _text(form: Any) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}
