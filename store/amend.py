"""A focal point replaces or adds the files of a submission until the deadline in force
passes: a wrong file sent in a hurry is corrected from the same signed link. The pages of
a report photographed one by one after a submission (`notifier.filing`) are added a
little past it too: they belong to the submission just made, on time or not.

The submission itself (when, on time or late) is the workflow's and does not change;
only its files do, here in the store. Replaced files leave the submission but stay in
the audit log by name and hash (and their bytes in the evidence store), so nothing that
was handed in is lost from the record.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.models import AuditEntry, Evidence, Submission, UnitDeadline


class AmendRefused(Exception):
    """Why the files cannot change, in Vietnamese, for the person."""


def amend_files(
    session: Session,
    workflow_id: str,
    files: list[dict[str, Any]],
    *,
    replace: bool,
    by: str,
    now: datetime,
    open_until: datetime | None = None,
) -> list[str]:
    """Attach `files` (file_name, content_type, size, sha256, storage_path) to the
    deadline's latest submission, first removing its files when `replace`; the names
    removed. Refused from the deadline in force on, or from `open_until` if later."""
    deadline = session.scalar(
        sa.select(UnitDeadline).where(UnitDeadline.workflow_id == workflow_id)
    )
    if deadline is None:
        raise AmendRefused("không tìm thấy hạn nộp này")
    if now >= max(deadline.due_at, open_until or deadline.due_at):
        raise AmendRefused(
            "đã quá hạn cuối: không thể thay hay bổ sung tệp. Xin liên hệ cán bộ điều phối."
        )
    submission = session.scalar(
        sa.select(Submission)
        .where(Submission.deadline_id == deadline.id)
        .order_by(Submission.submitted_at.desc(), Submission.id.desc())
        .limit(1)
    )
    if submission is None:
        raise AmendRefused("chưa có báo cáo nào được ghi nhận để thay tệp")
    removed = []
    if replace:
        for old in list(submission.evidence):
            removed.append({"file_name": old.file_name, "sha256": old.sha256})
            session.delete(old)
    for f in files:
        session.add(
            Evidence(
                submission_id=submission.id,
                file_name=f["file_name"],
                content_type=f["content_type"],
                size=f["size"],
                sha256=f["sha256"],
                storage_path=f["storage_path"],
                created_at=now,
            )
        )
    session.add(
        AuditEntry(
            at=now,
            actor=by,
            action="evidence_replaced" if replace else "evidence_added",
            subject=f"deadline:{workflow_id}",
            details={
                "files": [{"file_name": f["file_name"], "sha256": f["sha256"]} for f in files],
                "replaced": removed,
            },
        )
    )
    return [r["file_name"] for r in removed]
