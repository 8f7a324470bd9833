"""Units and people from Excel: download the template or the current list, upload a
workbook, see every row's error or the preview, publish (coordinators, within scope).

The upload is kept under the data dir by its SHA-256 between the preview and the
Publish button (`imports/<sha256>.xlsx`), so what is published is exactly the file that
was previewed; it is laid again onto the newest revision when published, and refused
if that is no longer the revision the preview was made on (someone published since).
A coordinator scoped to a subtree exports that subtree and may change nothing outside it.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import time
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from activities import unit_import
from config.workbook_read import WorkbookRefused
from deadlines import bounds
from store.models import Calendar, Unit
from store.scopes import Scope, visible_calendars
from store.web_users import SessionUser
from web.deps import DB, AppState, NotFound, State, UserScope, actor, render, require
from web.formatting import TZ
from web.params import IdQuery
from web.security import read_form
from web.tables import XLSX_TYPE
from web.uploads import read_limited

router = APIRouter()
EDIT = Depends(require("decide"))
"""Importing changes the calendar: coordinators only, like every other decision."""
_SHA = re.compile(r"[0-9a-f]{64}")
KEEP_HOURS = 24
SAYS = {
    "no_file": "Hãy chọn một tệp Excel (.xlsx) để nhập.",
    "refused": "Tệp không được nhận: {why}. Không có gì được nhập.",
    "gone": "Không còn tệp đã xem trước; hãy tải tệp lên lại.",
    "stale": "Lịch vừa được công bố phiên bản {latest} sau khi bạn xem trước (phiên bản {base})"
    "; không có gì được lưu. Hãy tải tệp lên lại để xem trước trên phiên bản mới.",
    "published": "Đã công bố phiên bản {n} từ tệp Excel; hệ thống đang chạy sẽ áp dụng trong "
    "vài giây.",
    "unchanged": "Tệp không thay đổi gì so với lịch hiện hành; không tạo phiên bản mới.",
}


def _calendar(session: Session, scope: Scope, key: str | None) -> Calendar | None:
    calendars = visible_calendars(session, scope)
    chosen = next((c for c in calendars if c.key == key), None)
    if chosen is None and key:
        raise NotFound
    return chosen or (calendars[0] if calendars else None)


def _root(session: Session, scope: Scope) -> str | None:
    """The key of the account's scope root, None for the whole installation."""
    row = session.get(Unit, scope.root_unit_id) if scope.root_unit_id else None
    return row.key if row is not None else None


def _download(data: bytes, stem: str) -> Response:
    name = f"{stem}-{datetime.now(TZ):%Y%m%d-%H%M}.xlsx"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    return Response(data, media_type=XLSX_TYPE, headers={"Content-Disposition": disposition})


@router.get("/import-units", response_model=None)
def page(
    request: Request,
    session: DB,
    scope: UserScope,
    calendar: str | None = None,
    published: IdQuery = None,
    unchanged: str | None = None,
    user: SessionUser = EDIT,
) -> Response:
    chosen = _calendar(session, scope, calendar)
    done = SAYS["published"].format(n=published) if published else None
    done = SAYS["unchanged"] if unchanged and not done else done
    return _render(request, session, scope, chosen, done=done)


def _render(
    request: Request,
    session: Session,
    scope: Scope,
    chosen: Calendar | None,
    status_code: int = 200,
    **context: object,
) -> Response:
    context.setdefault("done", None)
    context.setdefault("error", None)
    context.setdefault("prepared", None)
    return render(
        request,
        "import_units.html",
        status_code,
        calendars=visible_calendars(session, scope),
        calendar=chosen,
        scope_root=_root(session, scope),
        **context,
    )


@router.get("/import-units/template", response_model=None)
def template(
    session: DB, scope: UserScope, calendar: str | None = None, user: SessionUser = EDIT
) -> Response:
    chosen = _calendar(session, scope, calendar)
    if chosen is None:
        raise NotFound
    try:
        data = unit_import.template(session, chosen.key, _root(session, scope))
    except unit_import.ImportRefused:
        raise NotFound from None
    return _download(data, f"mau-don-vi-{chosen.key}")


@router.get("/import-units/export", response_model=None)
def export(
    session: DB, scope: UserScope, calendar: str | None = None, user: SessionUser = EDIT
) -> Response:
    chosen = _calendar(session, scope, calendar)
    if chosen is None:
        raise NotFound
    try:
        data = unit_import.export(session, chosen.key, _root(session, scope))
    except unit_import.ImportRefused:
        raise NotFound from None
    return _download(data, f"don-vi-{chosen.key}")


def _stored(state: AppState, sha: str) -> Path:
    return state.settings.data_dir / "imports" / f"{sha}.xlsx"


@router.post("/import-units", response_model=None, form_limits={"max_files": 1, "max_fields": 8})
async def upload(
    request: Request, state: State, scope: UserScope, user: SessionUser = EDIT
) -> Response:
    form = await read_form(request)
    key = str(form.get("calendar") or "")[: bounds.ID_MAX]
    file = form.get("file")
    data = b""
    if isinstance(file, UploadFile) and file.filename:
        try:
            data = await read_limited(file, bounds.WORKBOOK_MAX_BYTES)
        except ValueError:
            data = b"\0" * (bounds.WORKBOOK_MAX_BYTES + 1)  # the reader names the limit
    name = file.filename[:200] if isinstance(file, UploadFile) and file.filename else ""
    sha = hashlib.sha256(data).hexdigest()
    if data:
        await run_in_threadpool(_keep, state, sha, data)
    return await run_in_threadpool(_preview, request, state, scope, key, sha, name, data)


def _keep(state: AppState, sha: str, data: bytes) -> None:
    """Keep the upload for its Publish button; uploads older than KEEP_HOURS are dropped
    (a preview nobody published), so previews cannot fill the disk."""
    path = _stored(state, sha)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    stale = time.time() - KEEP_HOURS * 3600
    for old in path.parent.glob("*.xlsx"):
        with contextlib.suppress(OSError):
            if old.stat().st_mtime < stale:
                old.unlink()
    if not path.exists() and len(data) <= bounds.WORKBOOK_MAX_BYTES:
        path.write_bytes(data)


def _preview(
    request: Request, state: AppState, scope: Scope, key: str, sha: str, name: str, data: bytes
) -> Response:
    with state.reader() as session:
        chosen = _calendar(session, scope, key)
        if chosen is None:
            raise NotFound
        if not data:
            return _render(request, session, scope, chosen, 400, error=SAYS["no_file"])
        try:
            prepared = unit_import.prepare(session, chosen.key, data, _root(session, scope))
        except (unit_import.ImportRefused, WorkbookRefused) as exc:
            error = SAYS["refused"].format(why=exc)
            return _render(request, session, scope, chosen, 400, error=error)
        code = 400 if prepared.issues else 200
        return _render(
            request, session, scope, chosen, code, prepared=prepared, upload=sha, file_name=name
        )


@router.post("/import-units/publish", response_model=None)
async def publish(
    request: Request, state: State, scope: UserScope, user: SessionUser = EDIT
) -> Response:
    form = await read_form(request)
    key = str(form.get("calendar") or "")[: bounds.ID_MAX]
    sha = str(form.get("upload") or "")
    base_text = str(form.get("base") or "")
    base = int(base_text) if base_text.isdigit() and len(base_text) < 10 else -1
    name = str(form.get("file_name") or "")[:200]
    return await run_in_threadpool(_publish, request, state, scope, user, key, sha, base, name)


def _publish(
    request: Request,
    state: AppState,
    scope: Scope,
    user: SessionUser,
    key: str,
    sha: str,
    base: int,
    name: str,
) -> Response:
    with state.writer() as session:
        chosen = _calendar(session, scope, key)
        if chosen is None:
            raise NotFound
        path = _stored(state, sha) if _SHA.fullmatch(sha) else None
        if path is None or not path.is_file():
            return _render(request, session, scope, chosen, 400, error=SAYS["gone"])
        data = path.read_bytes()
        try:
            prepared = unit_import.prepare(
                session, chosen.key, data, _root(session, scope), engine=False
            )
            if prepared.base != base:
                raise unit_import.RevisionConflict(chosen.key, base, prepared.base)
            if not prepared.ok:  # the file was previewed with its errors: nothing to publish
                return _render(
                    request,
                    session,
                    scope,
                    chosen,
                    400,
                    prepared=prepared,
                    upload=sha,
                    file_name=name,
                )
            if not prepared.changed:
                return RedirectResponse(
                    f"/import-units?calendar={quote(chosen.key)}&unchanged=1", status_code=303
                )
            done = unit_import.publish(session, prepared, actor(user), name or f"{sha}.xlsx")
            session.commit()
        except unit_import.RevisionConflict as exc:
            session.rollback()
            error = SAYS["stale"].format(latest=exc.latest, base=exc.base)
            return _render(request, session, scope, chosen, 409, error=error)
        except (unit_import.ImportRefused, WorkbookRefused) as exc:
            session.rollback()
            error = SAYS["refused"].format(why=exc)
            return _render(request, session, scope, chosen, 400, error=error)
    path.unlink(missing_ok=True)
    return RedirectResponse(
        f"/import-units?calendar={quote(chosen.key)}&published={done.number}", status_code=303
    )
