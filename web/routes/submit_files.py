"""Replacing or adding the files of a submission from the submit page's signed link, until
the deadline in force passes (`store.amend`): the focal point who sent the wrong file
corrects it where he sent it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from store import amend
from web.deps import State
from web.routes.submit import _claim, _page, _target
from web.uploads import UploadRefused, accept

router = APIRouter()
MAX_FILES = 5
NEED_FILE = "Hãy chọn ít nhất một tệp."


@router.post("/nop/{token}/tep", response_model=None)
async def amend_files(request: Request, state: State, token: str) -> Response:
    claim, problem, code = _claim(state, token)
    if claim is None:
        return _page(request, None, code, problem=problem)
    target = await run_in_threadpool(_target, state, claim.workflow_id)
    if target is None:
        return _page(request, None, 404, problem="Không tìm thấy hạn nộp của liên kết này.")
    form = await request.form(max_files=MAX_FILES, max_fields=4)
    replace = form.get("mode") == "replace"
    files = []
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        try:
            stored = (await accept(upload, state.evidence, state.settings.upload_max_bytes)).stored
        except UploadRefused as exc:
            return _page(request, target, 400, files_error=str(exc))
        files.append(
            {
                "file_name": stored.file_name,
                "content_type": stored.content_type,
                "size": stored.size,
                "sha256": stored.sha256,
                "storage_path": stored.storage_path,
            }
        )
    if not files:
        return _page(request, target, 400, files_error=NEED_FILE)
    by = claim.person or "web:liên-kết"

    def write() -> list[str]:
        with state.writer() as session, session.begin():
            return amend.amend_files(
                session, claim.workflow_id, files, replace=replace, by=by, now=state.clock()
            )

    try:
        removed = await run_in_threadpool(write)
    except amend.AmendRefused as exc:
        return _page(request, target, 409, files_error=str(exc))
    names = [f["file_name"] for f in files]
    return _page(request, target, files_done={"added": names, "removed": removed})
