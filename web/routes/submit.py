"""The submit page behind a signed link (no login): for focal points without Telegram.

The link opens one deadline only, until it expires, and only while the person it was sent
to is a focal point of the unit in the current calendar (`store.credentials`, the check
email and Telegram make too). The page says which report is due
and when, and takes the file or the document number; the submission goes to the unit's
workflow like any other (channel `web`), and the page shows what the workflow decided.
Every attempt is also kept as an inbound message, so the unit's timeline shows it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from deadlines.expected import DeadlineStatus
from store import credentials
from store.base import utcnow
from store.enums import InboundChannel, InboundOutcome
from store.models import Calendar, Cycle, InboundMessage, Obligation, Person, Unit, UnitDeadline
from store.submit_links import LinkError, LinkExpired, SubmitClaim, read_token
from web import gateway as gw
from web.deps import AppState, State, app_state, render
from web.formatting import fmt_size
from web.security import read_form
from web.uploads import UploadRefused, accept

router = APIRouter()
DOC_MAX = 200
NOTE_MAX = 2000
UNAVAILABLE = "Hệ thống đang bận, chưa ghi nhận được. Xin thử lại sau ít phút."
REFUSED_REASON = "người nhận liên kết không còn là cán bộ đầu mối của đơn vị"
NOT_FOUND = "Không tìm thấy hạn nộp của liên kết này."
NEED_SOMETHING = "Hãy chọn tệp báo cáo hoặc ghi số văn bản."
NOT_FOCAL_POINT = (
    "Liên kết này không còn dùng được: người được gửi liên kết không còn là cán bộ đầu mối "
    "của đơn vị. Xin liên hệ cán bộ điều phối."
)


class NotActing(Exception):
    """The link's person is no longer a focal point of the deadline's unit."""

    def __init__(self, deadline_id: int, calendar_id: int) -> None:
        super().__init__(deadline_id)
        self.deadline_id = deadline_id
        self.calendar_id = calendar_id


@dataclass(frozen=True, slots=True)
class Target:
    workflow_id: str
    deadline_id: int
    unit_name: str
    obligation_name: str
    period_label: str
    status: DeadlineStatus
    due_at: datetime
    submitted_at: datetime | None
    calendar_id: int


def _target(state: AppState, claim: SubmitClaim) -> Target | None:
    """The link's deadline, while the person it was sent to may still act on it."""
    with state.reader() as session:
        row = session.execute(
            sa.select(
                UnitDeadline.id,
                Unit.name,
                Obligation.name,
                Cycle.snapshot["cycle"]["period_label"].as_string(),
                UnitDeadline.status,
                UnitDeadline.legal_end_at,
                UnitDeadline.extended_until,
                UnitDeadline.submitted_at,
                Unit.calendar_id,
            )
            .join(Unit, UnitDeadline.unit_id == Unit.id)
            .join(Cycle, UnitDeadline.cycle_id == Cycle.id)
            .join(Obligation, Cycle.obligation_id == Obligation.id)
            .where(UnitDeadline.workflow_id == claim.workflow_id)
        ).first()
        if row is None:
            return None
        if credentials.acting_for_deadline(session, row[0], claim.person) is None:
            raise NotActing(row[0], row[-1])
    did, unit, obligation, label, status, legal, extended, submitted, calendar_id = row
    return Target(
        claim.workflow_id,
        did,
        unit,
        obligation,
        label or "",
        status,
        extended or legal,
        submitted,
        calendar_id,
    )


async def _open(
    request: Request, state: AppState, token: str
) -> tuple[SubmitClaim | None, Target | None, Response | None]:
    """The link's claim and deadline, or the page that says why it opens nothing."""
    claim, problem, code = _claim(state, token)
    if claim is None:
        return None, None, _page(request, None, code, problem=problem)
    try:
        target = await run_in_threadpool(_target, state, claim)
    except NotActing as gone:
        if request.method == "POST":  # kept like a refused reply, for the coordinator
            request_id = "web-link-refused-" + hashlib.sha256(token.encode()).hexdigest()[:32]
            await run_in_threadpool(
                _remember,
                state,
                claim,
                (gone.deadline_id, gone.calendar_id),
                request_id,
                InboundOutcome.REFUSED,
                REFUSED_REASON,
            )
        return None, None, _page(request, None, 403, problem=NOT_FOCAL_POINT)
    if target is None:
        return None, None, _page(request, None, 404, problem=NOT_FOUND)
    return claim, target, None


def _claim(state: AppState, token: str) -> tuple[SubmitClaim | None, str | None, int]:
    try:
        return read_token(state.settings.secret, token), None, 200
    except LinkExpired:
        return (
            None,
            "Liên kết này đã hết hạn. Xin liên hệ cán bộ điều phối để nhận liên kết mới.",
            410,
        )
    except LinkError:
        return None, "Liên kết không hợp lệ. Xin mở đúng liên kết trong thư nhắc việc.", 404


def _page(
    request: Request, target: Target | None, status_code: int = 200, **extra: object
) -> Response:
    context: dict[str, object] = {
        "target": target,
        "problem": None,
        "error": None,
        "done": None,
        "document": "",
        "note": "",
        "upload_limit": fmt_size(app_state(request).settings.upload_max_bytes),
        "ext_error": None,
        "ext_done": None,
        "ext_days": "",
        "ext_reason": "",
        "files_error": None,
        "files_done": None,
        "files_open": target is not None
        and target.status.submitted
        and app_state(request).clock() < target.due_at,
    }
    context.update(extra)
    return render(request, "submit.html", status_code, **context)


@router.get("/nop/{token}", response_model=None)
async def submit_page(request: Request, state: State, token: str) -> Response:
    _, target, refused = await _open(request, state, token)
    return refused or _page(request, target, problem=None)


@router.post("/nop/{token}", response_model=None, form_limits={"max_files": 1, "max_fields": 8})
async def submit(request: Request, state: State, token: str) -> Response:
    claim, target, refused = await _open(request, state, token)
    if refused is not None:
        return refused
    assert claim is not None and target is not None
    form = await read_form(request)
    document = str(form.get("document_number") or "").strip()[:DOC_MAX]
    note = str(form.get("note") or "").strip()[:NOTE_MAX]
    upload = form.get("file")
    again = {"problem": None, "document": document, "note": note}
    evidence: list[gw.EvidenceFile] = []
    if isinstance(upload, UploadFile) and upload.filename:
        try:
            stored = (await accept(upload, state.evidence, state.settings.upload_max_bytes)).stored
        except UploadRefused as exc:
            return _page(request, target, 400, error=str(exc), **again)
        evidence.append(
            gw.EvidenceFile(
                stored.file_name,
                stored.sha256,
                stored.size,
                stored.content_type,
                stored.storage_path,
            )
        )
    if not evidence and not document:
        return _page(request, target, 400, error=NEED_SOMETHING, **again)
    key = "\x00".join([token, document, note, *(e.sha256 for e in evidence)])
    request_id = "web-link-" + hashlib.sha256(key.encode()).hexdigest()[:32]
    submission = gw.Submission(
        request_id,
        claim.person or "web:liên-kết",
        "web",
        document or None,
        note or None,
        tuple(evidence),
    )
    try:
        result = await state.gateway.submit(claim.workflow_id, submission)
    except gw.GatewayRefused as exc:
        await run_in_threadpool(
            _remember, state, claim, target, request_id, InboundOutcome.REFUSED, exc.message
        )
        return _page(request, target, 409, error=exc.message, **again)
    except gw.GatewayUnavailable:
        return _page(request, target, 503, error=UNAVAILABLE, **again)
    await run_in_threadpool(
        _remember, state, claim, target, request_id, InboundOutcome.APPLIED, None
    )
    try:
        fresh = await run_in_threadpool(_target, state, claim)
    except NotActing:
        fresh = None
    return _page(request, fresh or target, problem=None, done=result)


def _remember(
    state: AppState,
    claim: SubmitClaim,
    target: Target | tuple[int, int],
    request_id: str,
    outcome: InboundOutcome,
    reason: str | None,
) -> None:
    """Keep the attempt as an inbound message (once per request id: a resent form that the
    workflow recognised as a duplicate is not a second reply). `target`: the deadline, or
    its (deadline id, calendar id)."""
    deadline_id, calendar_id = (
        (target.deadline_id, target.calendar_id) if isinstance(target, Target) else target
    )
    with state.writer() as session, session.begin():
        exists = session.scalar(
            sa.select(InboundMessage.id).where(
                InboundMessage.channel == InboundChannel.WEB, InboundMessage.raw_ref == request_id
            )
        )
        if exists is not None:
            return
        person = None
        if claim.person:
            person = session.scalar(
                sa.select(Person)
                .join(Calendar, Person.calendar_id == Calendar.id)
                .where(Calendar.id == calendar_id, Person.key == claim.person)
            )
        session.add(
            InboundMessage(
                channel=InboundChannel.WEB,
                sender=person.name if person else (claim.person or "liên kết nộp báo cáo"),
                person_id=person.id if person else None,
                raw_ref=request_id,
                deadline_id=deadline_id,
                outcome=outcome,
                reason=reason,
                received_at=utcnow(),
            )
        )
