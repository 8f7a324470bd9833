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
from web.routes.submit import _open, _page
from web.security import read_form
from web.uploads import UploadRefused, accept

router = APIRouter()
MAX_FILES = 5
NEED_FILE = "Hãy chọn ít nhất một tệp."


@router.post(
    "/nop/{token}/tep", response_model=None, form_limits={"max_files": MAX_FILES, "max_fields": 8}
)
async def amend_files(request: Request, state: State, token: str) -> Response:
    # The same door as the submit page: a link whose person is no longer the unit's focal
    # point (or was removed) opens nothing here either.
    claim, target, refused = await _open(request, state, token)
    if refused is not None:
        return refused
    assert claim is not None and target is not None
    form = await read_form(request)
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
