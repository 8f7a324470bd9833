"""Delivery of outbox rows on a real SMTP server and a fake Bot API server: what is sent,
what is recorded, and the same failure injections applied to every channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar as ICal

from notifier import tokens
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.telegram.keyboard import Action, decode
from notifier.telegram.transport import TelegramChannel
from store import channels
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import AuditEntry, OutboxMessage
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World

CHAT = "1001"

# Claims and records are compare-and-set statements: prove them on both databases.
pytestmark = pytest.mark.parametrize("world", BACKENDS, indirect=True)


async def test_a_reminder_reaches_email_and_telegram_with_everything_it_carries(
    world: World, deliverer: Deliverer, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", CHAT)
    wid, step = world.queue()

    outcomes = await deliverer.deliver_step(wid, step)

    assert [o.status for o in outcomes] == ["sent", "sent"]
    email_row = world.row(wid, step, Channel.EMAIL)
    tg_row = world.row(wid, step, Channel.TELEGRAM)
    assert email_row.status is OutboxStatus.SENT and tg_row.status is OutboxStatus.SENT
    assert email_row.attempts == 1 and email_row.sent_at is not None

    [mail] = smtp.to("a@thu.example")
    key = tokens.outbox_key(wid, step, "email", email_row.recipient_id)
    assert mail["Message-ID"] == tokens.message_id(key, "tinh-thu.example") == email_row.message_id
    assert tokens.subject_tag(world.settings.secret, wid) in mail["Subject"]
    assert "Báo cáo 6 tháng công tác bình đẳng giới" in mail["Subject"]
    plain = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert "Kính gửi Trần Văn A" in plain and "Hạn cuối:" in plain
    assert "Số liệu tính từ" not in plain  # this obligation declares no data window
    assert "https://hanchot.example/nop/" in plain and 'href="https://hanchot.example/nop/' in html
    # Act from the email: ask for more days from the same link, and know whom to call
    assert "Xin gia hạn tại: https://hanchot.example/nop/" in plain and "#gia-han" in html
    contact = "Sở Nội vụ — liên hệ: Nguyễn Thị Điều Phối (0204 3812 345, coord@thu.example)"
    assert f"Nơi nhận:          {contact}" in plain and contact in html
    assert '<meta charset="utf-8">' in html
    [ics] = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    cal = ICal.from_ical(ics.get_payload(decode=True))
    assert [c.name for c in cal.subcomponents][:1] == ["VTIMEZONE"]
    event = next(c for c in cal.walk("VEVENT"))
    assert str(event["uid"]) == f"{wid}@hanchot"
    assert event.decoded("dtend").tzinfo is not None

    [sent] = telegram.sent
    assert sent["chat_id"] == CHAT and sent["parse_mode"] == "HTML"
    assert f"Nơi nhận: {contact}" in sent["text"]
    assert (
        f"#{tokens.reference(tokens.outbox_key(wid, step, 'telegram', tg_row.recipient_id))}"
        in sent["text"]
    )
    buttons = [b for row in sent["reply_markup"]["inline_keyboard"] for b in row]
    presses = [decode(world.settings.secret, b["callback_data"]) for b in buttons]
    assert [p.action for p in presses if p] == [Action.SUBMIT, Action.EXTEND, Action.SNOOZE]
    assert {p.row_id for p in presses if p} == {world.deadline_id()}
    assert tg_row.message_id == f"{CHAT}:{sent['message_id']}"


async def test_a_retried_delivery_never_resends_what_was_recorded(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    wid, step = world.queue()
    first = await deliverer.deliver_step(wid, step, channel="email")
    again = await deliverer.deliver_step(wid, step, channel="email")
    assert [o.status for o in first] == ["sent"]
    assert [o.status for o in again] == ["already"]
    assert len(smtp.messages) == 1


async def test_a_crash_after_sending_resends_once_with_the_same_identity(
    world: World, registry: Registry, smtp: FakeSMTP, telegram: FakeTelegram, monkeypatch
) -> None:
    """The only window for a second copy: the provider accepted, the record did not
    happen. The copy carries the same Message-ID / reference; while the crashed claim's
    lease runs, nobody resends."""
    world.link_telegram("fp-a", CHAT)
    wid, step = world.queue()
    crashing = Deliverer(world.store, registry, world.settings)

    def crash(*_: object) -> None:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(crashing, "_record_sent", crash)
    for channel in ("email", "telegram"):
        with pytest.raises(RuntimeError):
            await crashing.deliver_step(wid, step, channel=channel)
    assert {r.status for r in world.rows(workflow_id=wid)} == {OutboxStatus.SENDING}

    leased = Deliverer(world.store, registry, world.settings)
    waiting = await leased.deliver_step(wid, step)
    assert [o.status for o in waiting] == ["retry", "retry"]
    assert all(o.retry_after and o.retry_after > 0 for o in waiting)

    # The crashed process renews nothing: its claims' leases run out (the time passed here).
    with world.store.write() as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.workflow_id == wid)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )
    assert [o.status for o in await leased.deliver_step(wid, step)] == ["sent", "sent"]
    first, second = smtp.to("a@thu.example")
    assert first["Message-ID"] == second["Message-ID"]
    ref_one, ref_two = (m["text"].rsplit("#", 1)[1] for m in telegram.sent)
    assert ref_one == ref_two
    assert world.row(wid, step, Channel.EMAIL).attempts == 2


@dataclass(frozen=True)
class Injection:
    channel: str
    kind: str
    outcome: str
    row: OutboxStatus
    disabled: bool = False
    retry_after: float | None = None


INJECTIONS = [
    Injection("email", "timeout", "retry", OutboxStatus.PENDING),
    Injection("email", "4xx", "retry", OutboxStatus.PENDING),
    Injection("email", "421", "retry", OutboxStatus.PENDING),
    Injection("email", "5xx", "failed", OutboxStatus.FAILED),
    Injection("email", "bad_address", "disabled", OutboxStatus.DISABLED, disabled=True),
    Injection("telegram", "timeout", "retry", OutboxStatus.PENDING),
    Injection("telegram", "5xx", "retry", OutboxStatus.PENDING),
    Injection("telegram", "429", "retry", OutboxStatus.PENDING, retry_after=1.0),
    Injection("telegram", "blocked", "disabled", OutboxStatus.DISABLED, disabled=True),
    Injection("telegram", "chat_not_found", "disabled", OutboxStatus.DISABLED, disabled=True),
]


def inject(case: Injection, smtp: FakeSMTP, telegram: FakeTelegram) -> None:
    if case.channel == "email":
        if case.kind == "bad_address":
            smtp.bad_addresses.add("a@thu.example")
        else:
            smtp.fail(case.kind)
    else:
        # The channel itself waits out and retries a 429 a few times; past that the row
        # goes back to the outbox.
        times = TelegramChannel.max_rate_retries + 1 if case.kind == "429" else 1
        telegram.fail(case.kind, chat_id=CHAT, delay=2.0, retry_after=1, times=times)


@pytest.mark.parametrize("case", INJECTIONS, ids=lambda c: f"{c.channel}-{c.kind}")
async def test_failures_are_classified_recorded_and_recovered(
    case: Injection, world: World, deliverer: Deliverer, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", CHAT)
    wid, step = world.queue()
    inject(case, smtp, telegram)

    [outcome] = await deliverer.deliver_step(wid, step, channel=case.channel)

    assert outcome.status == case.outcome
    assert outcome.retry_after == case.retry_after
    row = world.row(wid, step, Channel(case.channel))
    assert row.status is case.row
    # A 429 is the bot being slowed, not the row failing: no error, no attempt counted.
    assert not row.last_error if case.kind == "429" else row.last_error
    assert row.attempts == (0 if case.kind == "429" else 1)
    with world.store.read() as session:
        route = channels.route(session, world.person("fp-a"), Channel(case.channel))
        audits = session.query(AuditEntry).filter_by(action="channel_disabled").count()
    assert (route.disabled_reason is not None) is case.disabled
    notices = [r for r in world.rows(workflow_id=wid) if r.step.startswith("notice:")]
    if case.disabled:
        assert audits == 1
        assert {r.recipient.key for r in notices} == {"coord"}
        assert notices[0].payload["affected_key"] == "fp-a"
        # Later messages to that person on that channel are skipped, not attempted.
        wid2, step2 = world.queue(step="remind:-1d")
        [later] = await deliverer.deliver_step(wid2, step2, channel=case.channel)
        assert later.status == "skipped"
    else:
        assert audits == 0 and notices == []
    if case.outcome == "retry":
        [again] = await deliverer.deliver_step(wid, step, channel=case.channel)
        assert again.status == "sent"
        delivered = smtp.to("a@thu.example") if case.channel == "email" else telegram.texts(CHAT)
        assert len(delivered) == 1


async def test_without_telegram_credentials_messages_stay_in_the_outbox(
    world: World, smtp: FakeSMTP
) -> None:
    world.link_telegram("fp-a", CHAT)
    registry = Registry([EmailChannel(world.settings.smtp)])
    deliverer = Deliverer(world.store, registry, world.settings)
    wid, step = world.queue()
    try:
        outcomes = {o.status for o in await deliverer.deliver_step(wid, step)}
    finally:
        await registry.aclose()
    assert outcomes == {"sent", "held"}
    held = world.row(wid, step, Channel.TELEGRAM)
    assert held.status is OutboxStatus.PENDING and held.attempts == 0
    assert "chưa được cấu hình" in (held.last_error or "")


async def test_a_telegram_handle_that_was_never_linked_is_unreachable(
    world: World, deliverer: Deliverer, telegram: FakeTelegram
) -> None:
    wid, step = world.queue()
    [outcome] = await deliverer.deliver_step(wid, step, channel="telegram")
    assert outcome.status == "unreachable"
    row = world.row(wid, step, Channel.TELEGRAM)
    assert row.status is OutboxStatus.FAILED and "chưa liên kết" in (row.last_error or "")
    assert telegram.sent == []


async def test_a_new_address_in_the_calendar_enables_email_again(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    with world.store.write() as session:
        person = world.person("fp-a")
        channels.disable(session, person.id, Channel.EMAIL, "a@thu.example", "550")
    with world.store.read() as session:
        assert not channels.route(session, world.person("fp-a"), Channel.EMAIL).usable
    world.edit_person("fp-a", email="a.moi@thu.example")
    wid, step = world.queue()
    [outcome] = await deliverer.deliver_step(wid, step, channel="email")
    assert outcome.status == "sent"
    assert len(smtp.to("a.moi@thu.example")) == 1


async def test_english_speakers_get_english(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    world.edit_person("fp-a", language="en")
    wid, step = world.queue()
    await deliverer.deliver_step(wid, step, channel="email")
    [mail] = smtp.messages
    assert (
        mail["Subject"].startswith("Reminder:")
        and "Dear Trần Văn A" in mail.get_body(("plain",)).get_content()
    )


def test_settings_replace_keeps_secrets_masked(world: World) -> None:
    assert "test-secret" not in repr(replace(world.settings))
