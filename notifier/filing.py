"""Several files for one report, sent from a chat (Telegram or Zalo) one after another: a
signed report photographed page by page, or a report and its annex.

The first file submits the report (after Đã nộp, or to the only deadline owed, or to the
one picked). Each file the same chat sends within `PAGES` of its last one is added to that
same submission (`store.amend`, audited `evidence_added`) instead of being refused as a
second submission, asking again which report it is for, or, worse, submitting another
deadline that happens to be the only one still owed. It is added only while the
deadline still stands submitted and the person is still a focal point of its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from notifier import inbound
from notifier.delivery import Store
from notifier.inbound import Owed
from notifier.telegram.pending import PAGES, Pending, file_json
from store.amend import AmendRefused, amend_files
from store.base import utcnow
from store.evidence import StoredFile
from store.models import Evidence, Submission, UnitDeadline


@dataclass(frozen=True, slots=True)
class Added:
    owed: Owed
    files: int
    """How many files the submission has now."""


def add_to_filed(
    store: Store,
    pending: Pending,
    chat: str,
    person_ids: list[int],
    stored: StoredFile,
    now: datetime | None = None,
) -> Added | None:
    """Add `stored` to the submission `chat` made last, if it is recent and still stands;
    None when there is none to add to (the file is routed as a first one)."""
    now = now or utcnow()
    filing = pending.filing(chat)
    if filing is None or filing.expired(now):
        return None
    with store.write() as session:
        owed = inbound.deadline_for(session, filing.deadline_id, person_ids)
        deadline = session.get(UnitDeadline, filing.deadline_id)
        if owed is None or deadline is None or deadline.submitted_at is None:
            return None
        latest = (
            sa.select(Submission.id)
            .where(Submission.deadline_id == deadline.id)
            .order_by(Submission.submitted_at.desc(), Submission.id.desc())
            .limit(1)
            .scalar_subquery()
        )
        held = sa.select(Evidence.sha256).where(Evidence.submission_id == latest)
        try:
            # the same file again (sent twice, or delivered twice) is kept once
            if stored.sha256 not in set(session.scalars(held)):
                amend_files(
                    session,
                    deadline.workflow_id,
                    [file_json(stored)],
                    replace=False,
                    by=owed.actor,
                    now=now,
                    open_until=filing.at + PAGES,
                )
        except AmendRefused:
            return None
        session.flush()
        count = session.scalar(
            sa.select(sa.func.count()).select_from(Evidence).where(Evidence.submission_id == latest)
        )
    pending.filed(chat, owed.deadline_id, now)
    return Added(owed, int(count or 0))
