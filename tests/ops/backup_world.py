"""A deployment with a row in every table and files in the data dir, for backup tests;
and a row-by-row picture of a whole store to compare two of them."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import NullPool

from deadlines.model import Unit
from store import (
    account_mail,
    account_tokens,
    accounts,
    channels,
    db,
    drafts,
    migrate,
    outbox,
    revisions,
    web_users,
)
from store.backup import tables
from store.calendars import save_calendar
from store.enums import (
    Channel,
    DeadlineStatus,
    ExtensionStatus,
    InboundChannel,
    InboundOutcome,
    OutboxStatus,
    ZaloEventStatus,
)
from store.evidence import EvidenceStore
from store.models import (
    AuditEntry,
    Evidence,
    ExtensionRequest,
    InboundMessage,
    Lease,
    LinkCode,
    LoginThrottle,
    OutboxMessage,
    RateBudget,
    Submission,
    TelegramPending,
    TelegramQuestion,
    WebRole,
    ZaloInbound,
    ZaloToken,
)
from tests.store.store_factories import HOSTILE_NAME, MARKUP_NAME, calendar, open_deadline

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + "Báo cáo số 45/BC-UBND".encode()
MAIL = "Subject: [HC-ABC] Đã nộp\r\n\r\nKính gửi: Phòng LĐTBXH\r\n".encode()
AT = datetime(2025, 6, 10, 1, 30, 15, 123456, tzinfo=UTC)


def populate(url: str, data_dir: Path) -> None:
    """Migrate `url` and fill every table, with values chosen to trip a careless encoder."""
    migrate.upgrade(url)
    engine = db.create_engine(url, poolclass=NullPool)
    files = EvidenceStore(data_dir)
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            cal = calendar(days_off=(), working_saturdays=())
            save_calendar(session, cal, "huyen-thu.yaml", actor="cli:test", now=AT)
            # The province is added later, above the district: its id is larger than its
            # child's, so rows in id order name a parent not yet inserted.
            tinh = Unit(id="tinh", name=HOSTILE_NAME, kind="province")
            units = tuple(
                dataclasses.replace(u, parent="tinh") if u.id == "huyen" else u for u in cal.units
            )
            units = tuple(
                dataclasses.replace(u, name=MARKUP_NAME) if u.id == "xa-b" else u for u in units
            )
            save_calendar(
                session,
                dataclasses.replace(cal, units=(*units, tinh)),
                "huyen-thu.yaml",
                actor="cli:test",
                now=AT + timedelta(days=1),
            )
            revisions.publish(
                session,
                dataclasses.replace(cal, units=(*units, tinh)),
                {
                    "calendar": {"id": "huyen-thu", "name": HOSTILE_NAME},
                    "days_off": [AT.date().isoformat()],
                },
                source="yaml",
                author="cli:test",
                source_ref="huyen-thu.yaml",
                now=AT + timedelta(days=1, hours=1),
            )
            draft = drafts.open_draft(session, "huyen-thu", "web:dieuphoi@thu.example")
            drafts.save(session, draft, {**draft.document, "days_off": ["02/09/2025"]})
            late = open_deadline(session, "huyen-thu", "bc-6-thang", "xa-a", "2025-H1")
            waiting = open_deadline(session, "huyen-thu", "bc-6-thang", "xa-b", "2025-H1")
            waiting.extended_until = datetime(2025, 6, 20, 10, 0, tzinfo=UTC)
            late.status = DeadlineStatus.SUBMITTED_LATE
            late.submitted_at = AT
            late.reply_token = "K3QX2M7RTA"
            minh = channels.people_with_email(session, "minh@thu.example")[0]
            stored = files.put(PDF, "Báo cáo 45.pdf", "application/pdf")
            raw = files.put(MAIL, "reply.eml", "message/rfc822", kind="inbound")
            submission = Submission(
                deadline=late,
                person_id=minh.id,
                channel=InboundChannel.TELEGRAM,
                document_number="45/BC-UBND",
                note='Dòng 1\nDòng 2 — "trích" \\ kết thúc',
                submitted_at=AT,
            )
            submission.evidence = [
                Evidence(
                    file_name=stored.file_name,
                    content_type=stored.content_type,
                    size=stored.size,
                    sha256=stored.sha256,
                    storage_path=stored.storage_path,
                )
            ]
            session.add(submission)
            session.add(
                ExtensionRequest(
                    deadline=waiting,
                    requested_days=5,
                    reason="Chờ số liệu của các thôn",
                    requested_by_id=minh.id,
                    requested_at=AT,
                    status=ExtensionStatus.APPROVED,
                    decided_at=AT + timedelta(hours=2),
                    new_due_at=waiting.extended_until,
                )
            )
            session.flush()
            outbox.enqueue(
                session,
                workflow_id=late.workflow_id,
                calendar_key="huyen-thu",
                step="remind:-1d",
                recipients=["minh"],
                payload={"due": "2025-06-14T17:00:00+00:00", "n": 1.5, "units": ["xa-a"]},
            )
            for message in session.scalars(sa.select(OutboxMessage)):
                if message.channel is Channel.EMAIL:
                    message.status = OutboxStatus.SENT
                    message.message_id = "<hc.1@thu.example>"
                    message.sent_at = AT
                    message.claimed_by = "relay-1.thu.example:4242:a1b2c3/7"
                    message.lease_until = AT
            session.add(
                InboundMessage(
                    channel=InboundChannel.EMAIL,
                    sender="la@nowhere.example",
                    raw_ref="<x@nowhere.example>",
                    outcome=InboundOutcome.QUARANTINED,
                    reason="người gửi lạ",
                    received_at=AT,
                    original_path=raw.storage_path,
                )
            )
            session.add(
                AuditEntry(
                    at=AT,
                    actor="cli:test",
                    action="note",
                    subject="deadline:x",
                    details={"looks_like_a_date": "2025-06-14", "nested": {"a": [1, None]}},
                )
            )
            channels.bind_telegram(session, minh.id, "-100123", "minh", AT)
            channels.disable(session, minh.id, Channel.EMAIL, "minh@thu.example", "550 no user")
            session.add(
                LinkCode(
                    person_id=minh.id,
                    code_sha256="a" * 64,
                    expires_at=AT + timedelta(hours=48),
                    created_by="cli:test",
                )
            )
            session.add(
                TelegramPending(
                    chat_id="-100123",
                    question=TelegramQuestion.EXTENSION,
                    deadline_id=waiting.id,
                    request_id="tg:4242",
                    asked_at=AT,
                    held={
                        "number": "45/BC-UBND “bản chính”",
                        "file": {
                            "file_name": stored.file_name,
                            "sha256": stored.sha256,
                            "size": stored.size,
                            "content_type": stored.content_type,
                            "storage_path": stored.storage_path,
                        },
                    },
                    held_at=AT + timedelta(minutes=3),
                    filed_deadline_id=waiting.id,
                    filed_at=AT + timedelta(minutes=1),
                    updated_at=AT,
                )
            )
            session.add(LoginThrottle(key="b" * 64, failures=6, last_at=AT))
            session.add(
                Lease(
                    name="mailbox", holder="may-1:4242:ab12", epoch=3, expires_at=AT, acquired_at=AT
                )
            )
            session.add(
                ZaloToken(
                    oa_id="1234567890123456789",
                    app_id="4291763606161179100",
                    access_token="at-Zk3u_9Qa",
                    access_expires_at=AT + timedelta(hours=25),
                    access_issued_at=AT,
                    refresh_token="rt-“ngoặc” \\ x",
                    generation=7,
                    renewing_since=AT,
                    renewing_by="worker-1:4242",
                    stranded_at=AT,
                    stranded_reason="zalo -14014: Invalid refresh token",
                    updated_at=AT,
                )
            )
            session.add(  # the standby app's chain of the same OA
                ZaloToken(
                    oa_id="1234567890123456789",
                    app_id="3056112283945570001",
                    access_token="at-dự-phòng",
                    access_expires_at=AT + timedelta(hours=19),
                    access_issued_at=AT - timedelta(hours=6),
                    refresh_token="rt-standby",
                    generation=3,
                    updated_at=AT,
                )
            )
            session.add(
                ZaloInbound(
                    event_key="8001:user_send_text:u1",
                    user_id="8001",
                    event_name="user_send_text",
                    body='{"event_name": "user_send_text", "message": {"text": "“45/BC” \\ x"}}',
                    status=ZaloEventStatus.FAILED,
                    attempts=1,
                    claimed_by="may-1:4242:ab12/3",
                    lease_until=AT,
                    received_at=AT,
                    handled_at=AT + timedelta(seconds=2),
                    error="RuntimeError('hỏng')",
                )
            )
            session.add(
                RateBudget(
                    key="telegram:123456:to:-100123",
                    window_ms=1100,
                    count=1,
                    slots=[1749519015.123456],
                    updated_at=AT,
                )
            )
            scope = web_users.find_unit(session, "huyen-thu/huyen")
            user = web_users.add_user(
                session,
                email="DieuPhoi@thu.example",
                name="Cán bộ điều phối",
                password_hash="$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
                role=WebRole.COORDINATOR,
                scope_unit=scope,
            )
            web_users.open_session(session, user, "token", timedelta(hours=8), now=AT)
            invited = web_users.add_user(
                session,
                email="moi@thu.example",
                name="Người được mời",
                password_hash=None,  # invited: no password until the emailed link is used
                role=WebRole.SUPERVISOR,
                scope_unit=scope,
            )
            issued = account_tokens.issue(
                session, invited, account_tokens.INVITE, "s" * 32, "web:dieuphoi@thu.example", AT
            )
            account_mail.enqueue(
                session, invited, issued, account_tokens.INVITE, {"inviter": HOSTILE_NAME}
            )
            before = accounts.snapshot(session, invited)
            accounts.audit(
                session, "web:dieuphoi@thu.example", "account_invited", invited, None, before
            )
    finally:
        engine.dispose()


def snapshot(url: str) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in primary-key order, as the models read it."""
    engine = db.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return {
                table.name: [
                    dict(row._mapping)
                    for row in connection.execute(
                        sa.select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in tables()
            }
    finally:
        engine.dispose()
