"""The store activities on SQLite, called directly: a retried call changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from activities import contracts as act
from activities.deadlines import DeadlineActivities
from activities.store_access import StoreAccess
from boundary.types import EvidenceRef, ExtensionRecord, HistoryEntry, SubmissionRecord
from store import deadlines_repo
from store.calendars import save_calendar
from store.models import AuditEntry, ExtensionRequest, OutboxMessage, Submission, UnitDeadline
from tests.workflows.support import frozen_h1, make_calendar

YEAR = 2031


def prepared(store: StoreAccess, tmp_path: Path) -> tuple[StoreAccess, str, str]:
    """`store` holding the test calendar and a frozen H1 cycle; returns the ids."""
    calendar = make_calendar(YEAR)
    frozen = frozen_h1(calendar, YEAR)
    with store.write() as session:
        save_calendar(session, calendar, tmp_path / "test-cal.yaml")
        deadlines_repo.freeze_cycle(
            session,
            "test-cal",
            "bao-cao-6-thang",
            f"{YEAR}-H1",
            frozen.snapshot.cycle_id,
            {"cycle": {}, "units": []},
            frozen.snapshot.opens_at,
        )
    return store, frozen.snapshot.cycle_id, frozen.snapshot.deadline_id("unit-a")


def event(
    cycle: str, wid: str, seq: int, name: str, status: str, **extra: object
) -> act.DeadlineEvent:
    at = datetime(YEAR, 6, 10, 2, 0, tzinfo=UTC) + timedelta(minutes=seq)
    legal_end = datetime(YEAR, 6, 14, 17, 0, tzinfo=UTC)
    return act.DeadlineEvent(
        workflow_id=wid,
        cycle_workflow_id=cycle,
        calendar_id="test-cal",
        unit_id="unit-a",
        seq=seq,
        status=status,
        legal_end_at=legal_end,
        due_at=extra.pop("due_at", legal_end),  # type: ignore[arg-type]
        reminders_sent=1,
        entry=HistoryEntry(at, name, extra.pop("by", "system"), {"k": "v"}),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


async def test_a_retried_event_is_applied_once(store: StoreAccess, tmp_path: Path) -> None:
    store, cycle, wid = prepared(store, tmp_path)
    activities = DeadlineActivities(store)
    at = datetime(YEAR, 6, 12, 3, 0, tzinfo=UTC)
    submitted = event(
        cycle,
        wid,
        3,
        "submitted",
        "submitted_on_time",
        by="fp-a",
        submission=SubmissionRecord("s1", "fp-a", at, True, "telegram", "45/BC"),
        evidence=[EvidenceRef("bc.pdf", "ab" * 32, 1234, "application/pdf", "ev/abab.pdf")],
    )
    assert await activities.record_deadline_event(event(cycle, wid, 1, "opened", "open"))
    assert await activities.record_deadline_event(submitted)
    assert not await activities.record_deadline_event(submitted)  # the retry

    with store.read() as session:
        deadline = session.scalar(sa.select(UnitDeadline).where(UnitDeadline.workflow_id == wid))
        assert deadline is not None
        assert deadline.status.value == "submitted_on_time" and deadline.submitted_at == at
        submissions = session.scalars(sa.select(Submission)).all()
        assert len(submissions) == 1 and submissions[0].document_number == "45/BC"
        assert submissions[0].person is not None and submissions[0].person.key == "fp-a"
        assert [e.sha256 for e in submissions[0].evidence] == ["ab" * 32]
        audit = session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.subject == f"deadline:{wid}")
        ).all()
        assert audit == ["opened", "submitted"]


async def test_an_extension_is_requested_then_decided_in_the_store(
    store: StoreAccess, tmp_path: Path
) -> None:
    store, cycle, wid = prepared(store, tmp_path)
    activities = DeadlineActivities(store)
    at = datetime(YEAR, 6, 11, 2, 0, tzinfo=UTC)
    new_due = datetime(YEAR, 6, 24, 17, 0, tzinfo=UTC)
    record = ExtensionRecord("r1", "fp-a", at, 10, "Chờ số liệu")
    await activities.record_deadline_event(event(cycle, wid, 1, "opened", "open"))
    await activities.record_deadline_event(
        event(cycle, wid, 2, "extension_requested", "due_soon", by="fp-a", extension=record)
    )
    decided = ExtensionRecord(
        "r1", "fp-a", at, 10, "Chờ số liệu", "approved", "coord", at, "2031-06-24", new_due
    )
    await activities.record_deadline_event(
        event(
            cycle,
            wid,
            3,
            "extension_decided",
            "extended",
            by="coord",
            extension=decided,
            due_at=new_due,
        )
    )
    with store.read() as session:
        request = session.scalars(sa.select(ExtensionRequest)).one()
        assert request.status.value == "approved" and request.new_due_at == new_due
        assert request.requested_by is not None and request.requested_by.key == "fp-a"
        assert request.decided_by is not None and request.decided_by.key == "coord"
        deadline = session.scalars(sa.select(UnitDeadline)).one()
        assert deadline.extended_until == new_due and deadline.due_at == new_due


async def test_the_outbox_queues_one_row_per_recipient_and_channel_and_never_twice(
    store: StoreAccess, tmp_path: Path
) -> None:
    store, cycle, wid = prepared(store, tmp_path)
    activities = DeadlineActivities(store)
    await activities.record_deadline_event(event(cycle, wid, 1, "opened", "open"))
    note = act.NotifyInput(
        wid, "test-cal", "remind:-7d", ["fp-a", "head-a", "nobody"], {"kind": "reminder"}
    )
    first = await activities.enqueue_notification(note)
    again = await activities.enqueue_notification(note)

    assert (first.queued, first.already, first.unreachable) == (3, 0, ["nobody"])
    assert (again.queued, again.already) == (0, 3)
    with store.read() as session:
        rows = session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
        assert [(r.recipient.key, r.channel.value, r.address) for r in rows] == [
            ("fp-a", "email", "a@thu.example"),
            ("fp-a", "telegram", "@fp_aaa"),
            ("head-a", "email", "truong@thu.example"),
        ]
        assert all(r.deadline is not None and r.deadline.workflow_id == wid for r in rows)
        assert rows[0].payload == {"kind": "reminder", "recipient": "fp-a", "channel": "email"}
