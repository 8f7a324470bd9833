"""Column types and constraints behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from store import db, models
from store.calendars import save_calendar
from store.enums import Channel, DeadlineStatus, InboundChannel, InboundOutcome, OutboxStatus
from tests.store.store_factories import calendar, open_deadline

HANOI = timezone(timedelta(hours=7))


@pytest.fixture
def deadline_id(sessions: sessionmaker[Session]) -> int:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "a.yaml")
        return open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1").id


def person(session: Session, key: str) -> models.Person:
    return session.scalars(sa.select(models.Person).where(models.Person.key == key)).one()


def outbox(session: Session, recipient: models.Person, **overrides: object) -> models.OutboxMessage:
    fields: dict[str, object] = {
        "workflow_id": "deadline/huyen-thu/bc-6-thang/2025-H1/xa-a",
        "step": "remind:-7d",
        "channel": Channel.EMAIL,
        "recipient": recipient,
        "address": recipient.email,
        "payload": {"subject": "Nhắc hạn nộp báo cáo 6 tháng"},
    }
    return models.OutboxMessage(**(fields | overrides))


def test_instants_round_trip_as_aware_utc(
    sessions: sessionmaker[Session], deadline_id: int
) -> None:
    local = datetime(2025, 6, 14, 23, 59, 59, 123456, tzinfo=HANOI)
    with sessions.begin() as session:
        deadline = session.get_one(models.UnitDeadline, deadline_id)
        deadline.legal_end_at = local
        deadline.submitted_at = datetime(2025, 6, 14, 16, 0, tzinfo=UTC)

    with sessions() as session:
        deadline = session.get_one(models.UnitDeadline, deadline_id)
        assert deadline.legal_end_at == local
        assert deadline.legal_end_at.tzinfo is UTC
        assert deadline.legal_end_at.hour == 16
        # Comparisons in SQL see instants, whatever the zone of the parameter.
        late = session.scalars(
            sa.select(models.UnitDeadline.id).where(
                models.UnitDeadline.submitted_at > models.UnitDeadline.legal_end_at
            )
        ).all()
        assert late == []
        found = session.scalars(
            sa.select(models.UnitDeadline.id).where(
                models.UnitDeadline.legal_end_at == datetime(2025, 6, 14, 16, 59, 59, 123456, UTC)
            )
        ).all()
        assert found == [deadline_id]


def test_naive_datetimes_are_refused(sessions: sessionmaker[Session], deadline_id: int) -> None:
    with sessions() as session:
        deadline = session.get_one(models.UnitDeadline, deadline_id)
        deadline.submitted_at = datetime(2025, 6, 14, 16, 0)
        with pytest.raises(StatementError, match="naive datetime"):
            session.flush()


def test_outbox_key_rejects_a_second_delivery(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        save_calendar(session, calendar(), "a.yaml")
        minh = person(session, "minh")
        session.add(outbox(session, minh))
        # Same step, other channel or other recipient: distinct deliveries.
        session.add(outbox(session, minh, channel=Channel.TELEGRAM, address="@minh"))
        session.add(outbox(session, person(session, "lan")))

    with sessions() as session:
        session.add(outbox(session, person(session, "minh"), payload={"retry": True}))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
        assert session.scalar(sa.select(sa.func.count()).select_from(models.OutboxMessage)) == 3
        pending = session.scalars(
            sa.select(models.OutboxMessage).where(models.OutboxMessage.channel == Channel.EMAIL)
        ).all()
        assert {m.status for m in pending} == {OutboxStatus.PENDING}
        assert {m.attempts for m in pending} == {0}


def test_an_inbound_message_is_recorded_once(sessions: sessionmaker[Session]) -> None:
    def received() -> models.InboundMessage:
        return models.InboundMessage(
            channel=InboundChannel.EMAIL,
            sender="minh@thu.example",
            raw_ref="<CAF=abc@mail.thu.example>",
            outcome=InboundOutcome.QUARANTINED,
            reason="không khớp hạn nộp nào",
            received_at=datetime(2025, 6, 10, 2, 0, tzinfo=UTC),
        )

    with sessions.begin() as session:
        session.add(received())
    with sessions() as session:
        session.add(received())
        with pytest.raises(IntegrityError):
            session.flush()


def test_the_database_refuses_an_unknown_status(
    sessions: sessionmaker[Session], deadline_id: int
) -> None:
    """The CHECK constraint holds even for writes that bypass the ORM's enum."""
    with sessions() as session:
        with pytest.raises(IntegrityError):
            session.execute(
                sa.text("UPDATE unit_deadlines SET status = 'lost' WHERE id = :id"),
                {"id": deadline_id},
            )
        session.rollback()
        stored = session.get_one(models.UnitDeadline, deadline_id)
        assert stored.status is DeadlineStatus.OPEN


def test_foreign_keys_are_enforced(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(
            models.Submission(
                deadline_id=999_999,
                channel=InboundChannel.CLI,
                submitted_at=datetime(2025, 6, 1, tzinfo=UTC),
            )
        )
        with pytest.raises(IntegrityError):
            session.flush()


def test_evidence_goes_with_its_submission(
    sessions: sessionmaker[Session], deadline_id: int
) -> None:
    with sessions.begin() as session:
        submission = models.Submission(
            deadline_id=deadline_id,
            person=person(session, "minh"),
            channel=InboundChannel.TELEGRAM,
            document_number="45/BC-UBND",
            submitted_at=datetime(2025, 6, 12, 3, 0, tzinfo=UTC),
        )
        submission.evidence.append(
            models.Evidence(
                file_name="Báo cáo 6 tháng <xã A>.pdf",
                content_type="application/pdf",
                size=5_000_000_000,
                sha256="ab" * 32,
                storage_path="evidence/ab/abab.pdf",
            )
        )
        session.add(submission)

    with sessions.begin() as session:
        stored = session.scalars(sa.select(models.Submission)).one()
        assert [(e.file_name, e.size) for e in stored.evidence] == [
            ("Báo cáo 6 tháng <xã A>.pdf", 5_000_000_000)
        ]
        session.delete(stored)
    with sessions() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(models.Evidence)) == 0


async def test_the_async_engine_reads_what_the_sync_one_wrote(
    migrated_url: str, deadline_id: int
) -> None:
    engine = db.create_async_engine(migrated_url)
    try:
        async with db.async_session_factory(engine)() as session:
            deadline = await session.get_one(models.UnitDeadline, deadline_id)
            assert deadline.legal_end_at == datetime(2025, 6, 14, 17, 0, tzinfo=UTC)
            deadline.status = DeadlineStatus.SUBMITTED_ON_TIME
            deadline.submitted_at = datetime(2025, 6, 13, 9, 30, tzinfo=HANOI)
            await session.commit()
        async with db.async_session_factory(engine)() as session:
            deadline = await session.get_one(models.UnitDeadline, deadline_id)
            assert deadline.submitted_at == datetime(2025, 6, 13, 2, 30, tzinfo=UTC)
            assert deadline.status.is_settled
    finally:
        await engine.dispose()
