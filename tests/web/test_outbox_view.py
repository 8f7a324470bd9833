"""The outbox shows each message as its reader got it (subject and text of the email, the
text of the Telegram message), rendered by the path the notifier sends with, not the
payload as JSON."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from notifier.compose import Row, compose
from notifier.settings import NotifierSettings, Secret
from store import db, outbox
from store.models import OutboxMessage, Person
from tests.web.conftest import Site


def payload(kind: str, step: str, details: dict[str, object]) -> dict[str, object]:
    """As workflows.deadline_state.notification_payload makes it."""
    return {
        "kind": kind,
        "step": step,
        "calendar": "tinh-thu",
        "obligation": "bc-xa",
        "obligation_name": "Báo cáo 6 tháng cấp xã",
        "period": "2025-H1",
        "period_label": "6 tháng đầu năm 2025",
        "due_text": "before 10/06",
        "unit": "xa-a2",
        "unit_name": "UBND xã A2",
        "legal_end": "2025-06-09",
        "due_at": "2025-06-09T17:00:00+00:00",
        "data_window": None,
        "details": details,
    }


def test_the_outbox_shows_the_message_as_sent(site: Site) -> None:
    client = site.client("coordinator")
    engine = db.create_engine(site.settings.database_url)
    wid = site.filled.deadlines[("bc-xa", "2025-H1", "xa-a2")]
    try:
        with db.session_factory(engine, writes=True)() as session, session.begin():
            session.execute(sa.delete(OutboxMessage))
            for step, kind, details in (
                ("remind:-3d", "reminder", {"step": "remind:-3d", "to": "focal_point"}),
                ("escalate:1:head", "escalation", {"level": 1, "to": "head"}),
            ):
                outbox.enqueue(
                    session,
                    workflow_id=wid,
                    calendar_key="tinh-thu",
                    step=step,
                    recipients=["fp-xa-a2"],
                    payload=payload(kind, step, details),
                )
        with db.session_factory(engine)() as session:
            rows = session.execute(
                sa.select(OutboxMessage, Person.key, Person.name)
                .join(Person, OutboxMessage.recipient_id == Person.id)
                .order_by(OutboxMessage.id)
            ).all()
            assert rows
            for m, person_key, person_name in rows:
                row = Row(
                    m.id,
                    m.workflow_id,
                    m.step,
                    m.channel,
                    m.recipient_id,
                    person_key,
                    person_name,
                    "vi",
                    "Asia/Ho_Chi_Minh",
                    m.address,
                    m.deadline_id,
                    m.payload,
                    m.attempts,
                )
                settings = NotifierSettings(secret=Secret(site.settings.secret), public_url="")
                sent = compose(settings, row, now=m.sent_at or m.created_at)
                raw = client.get(f"/outbox/{m.id}").text
                page = html.unescape(re.sub(r"<[^>]+>", "", raw))
                assert '"kind"' not in page.split("Dữ liệu gốc")[0], page
                if m.channel.value == "email":
                    assert f"Tiêu đề: {sent.subject}" in " ".join(page.split())
                for line in sent.text.splitlines():
                    if line.strip() and "/nop/" not in line:
                        assert line.strip() in page, (line, page)
    finally:
        engine.dispose()
