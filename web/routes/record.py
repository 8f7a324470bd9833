"""Recording a submission on a unit's behalf: the report came on paper, from a personal
address, over Zalo... The coordinator gives the document number, the day it was received
(dd/mm/yyyy, never in the future), a note and the files; it goes to the unit's workflow
like any submission (which decides, and judges on time by that day), as `web:<email>`.

Opened from the quarantine with `message=<id>`, the quarantined reply's original is
attached as evidence and the reply is marked resolved once the workflow has accepted.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deadlines import bounds
from store import quarantine, queues, unit_history
from store.ids import parse_id
from store.models import Unit
from store.scopes import Scope
from store.web_users import SessionUser
from web import gateway as gw
from web.deps import AppState, NotFound, State, UserScope, actor, require
from web.formatting import TZ
from web.params import Id
from web.routes.units import UNAVAILABLE, unit_in_scope, unit_page_response
from web.security import read_form
from web.uploads import UploadRefused, accept

router = APIRouter()
DECIDE = Depends(require("decide"))
DOC_MAX = 200
NOTE_MAX = 2000
RECEIVED_AT = time(17, 0)
"""The hour given to a past day received: the end of that working day. On time is
judged by the day (a legal end is the end of a day), so the hour only shows."""
ORIGINAL_NAME = "thư gốc.eml"
_DAY = re.compile(r"\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*")


class FormRefused(ValueError):
    """Why the form was not sent on, in Vietnamese."""


@dataclass(frozen=True, slots=True)
class RecordForm:
    """The record-submission form as shown on the unit page."""

    deadline: unit_history.DeadlineLine
    received_on: str
    document: str = ""
    note: str = ""
    message: quarantine.Quarantined | None = None
    error: str | None = None


def today(state: AppState) -> date:
    return state.clock().astimezone(TZ).date()


def parse_received(text: str, today: date) -> date:
    found = _DAY.fullmatch(text or "")
    if found is None:
        raise FormRefused(
            f"ngày nhận “{text.strip()[:20]}” không đúng dạng ngày/tháng/năm, "
            f"ví dụ {today:%d/%m/%Y}"
        )
    day_, month, year = (int(g) for g in found.groups())
    try:
        day = date(year, month, day_)
    except ValueError as exc:
        raise FormRefused(f"không có ngày {text.strip()} trong lịch") from exc
    try:
        bounds.check_date(day)
    except ValueError as exc:
        raise FormRefused(f"ngày nhận: {exc}") from exc
    if day > today:
        raise FormRefused(f"ngày nhận {day:%d/%m/%Y} còn ở tương lai; hôm nay là {today:%d/%m/%Y}")
    return day


def received_instant(day: date, now: datetime) -> datetime | None:
    """The instant to record for a report received on `day`; None for today (the workflow
    takes its own now, which is when the coordinator recorded it)."""
    if day >= now.astimezone(TZ).date():
        return None
    return datetime.combine(day, RECEIVED_AT, TZ).astimezone(UTC)


def message_in_scope(
    session: Session, scope: Scope, message_id: int | None
) -> quarantine.Quarantined | None:
    """The quarantined reply, resolved or not, if the user may see it."""
    if message_id is None:
        return None
    found = quarantine.one(session, scope, message_id)
    if found is None:
        raise NotFound
    return found


def original_file(state: AppState, message: quarantine.Quarantined) -> Path | None:
    """The stored raw message, if it is a file under the data dir."""
    if not message.original_path:
        return None
    root = state.settings.data_dir.resolve()
    path = (root / message.original_path).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def form_for(
    state: AppState,
    session: Session,
    scope: Scope,
    unit_id: int,
    workflow_id: str | None,
    message_id: int | None,
) -> tuple[RecordForm | None, quarantine.Quarantined | None]:
    """The empty form for one deadline of the unit (None if it takes no submission), and
    the quarantined reply it is for."""
    message = message_in_scope(session, scope, message_id)
    if not workflow_id:
        return None, message
    deadline = _deadline(session, unit_id, workflow_id)
    if deadline is None:
        raise NotFound
    if deadline.status.is_settled:
        return None, message
    return RecordForm(deadline, f"{today(state):%d/%m/%Y}", message=message), message


def _deadline(session: Session, unit_id: int, workflow_id: str) -> unit_history.DeadlineLine | None:
    lines = unit_history.deadlines_of(session, unit_id)
    return next((d for d in lines if d.workflow_id == workflow_id), None)


@router.post(
    "/units/{unit_id}/submissions",
    response_model=None,
    form_limits={"max_files": 10, "max_fields": 16},
)
async def record_submission(
    request: Request,
    state: State,
    scope: UserScope,
    unit_id: Id,
    user: SessionUser = DECIDE,
) -> Response:
    form = await read_form(request)
    workflow_id = str(form.get("workflow_id") or "")[:255]
    document = str(form.get("document_number") or "").strip()[:DOC_MAX]
    received_text = str(form.get("received_on") or "")[:40]
    note = str(form.get("note") or "").strip()[:NOTE_MAX]
    message_id = parse_id(form.get("message"))

    def check() -> tuple[Unit, unit_history.DeadlineLine, quarantine.Quarantined | None]:
        with state.reader() as session:
            unit = unit_in_scope(session, scope, unit_id)
            deadline = _deadline(session, unit_id, workflow_id)
            if deadline is None or queues.deadline_in_scope(session, scope, workflow_id) is None:
                raise NotFound
            return unit, deadline, message_in_scope(session, scope, message_id)

    unit, deadline, message = await run_in_threadpool(check)
    shown = RecordForm(deadline, received_text, document, note, message)

    async def again(error: str, status_code: int) -> Response:
        redo = RecordForm(deadline, received_text, document, note, message, error)
        return await run_in_threadpool(
            unit_page_response, request, state, unit, status_code, record=redo
        )

    try:
        day = parse_received(received_text, today(state))
        evidence = [await _stored(state, f) for f in form.getlist("files") if _chosen(f)]
        if message is not None:  # resolved already: a double click, or another's work
            evidence.append(await run_in_threadpool(_original, state, message))
        if not evidence and not document:
            raise FormRefused("hãy ghi số văn bản hoặc đính kèm tệp báo cáo")
    except FormRefused as exc:
        return await again(str(exc), 400)
    except UploadRefused as exc:
        return await again(f"tệp không được nhận: {exc}", 400)
    key = "\x00".join(
        [workflow_id, user.email, document, day.isoformat(), note, str(message_id or "")]
        + [e.sha256 for e in evidence]
    )
    request_id = "web-rec-" + hashlib.sha256(key.encode()).hexdigest()[:32]
    submission = gw.Submission(
        request_id,
        actor(user),
        "web",
        document or None,
        note or None,
        tuple(evidence),
        received_instant(day, state.clock()),
    )
    try:
        await state.gateway.submit(workflow_id, submission)
    except gw.GatewayRefused as exc:
        return await again(exc.message, 409)
    except gw.GatewayUnavailable:
        return await again(UNAVAILABLE, 503)
    done = "recorded"
    if message is not None:
        await run_in_threadpool(_resolve, state, user, unit, shown, request_id)
        done = "recorded_message"
    return RedirectResponse(f"/units/{unit_id}?msg={done}", status_code=303)


def _chosen(value: object) -> bool:
    return isinstance(value, UploadFile) and bool(value.filename)


async def _stored(state: AppState, upload: object) -> gw.EvidenceFile:
    assert isinstance(upload, UploadFile)
    stored = (await accept(upload, state.evidence, state.settings.upload_max_bytes)).stored
    return gw.EvidenceFile(
        stored.file_name, stored.sha256, stored.size, stored.content_type, stored.storage_path
    )


def _original(state: AppState, message: quarantine.Quarantined) -> gw.EvidenceFile:
    path = original_file(state, message)
    if path is None:
        raise FormRefused("không tìm thấy bản gốc của tin cách ly trong thư mục dữ liệu")
    data = path.read_bytes()
    relative = path.relative_to(state.settings.data_dir.resolve()).as_posix()
    digest = hashlib.sha256(data).hexdigest()
    return gw.EvidenceFile(ORIGINAL_NAME, digest, len(data), "message/rfc822", relative)


def _resolve(
    state: AppState, user: SessionUser, unit: Unit, form: RecordForm, request_id: str
) -> None:
    assert form.message is not None
    d = form.deadline
    with state.writer() as session, session.begin():
        quarantine.resolve(
            session,
            form.message.id,
            by=actor(user),
            action=quarantine.RECORDED,
            resolution=f"Đã ghi nhận nộp cho {unit.name} — {d.obligation_name}, {d.period_label}",
            details={"workflow_id": d.workflow_id, "request": request_id},
            deadline_id=d.id,
        )
