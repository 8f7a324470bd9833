"""Zalo end to end on the time-skipping server: a focal point links by writing his code
to the OA, receives a reminder with buttons, presses Đã nộp, sends a PDF, and the
deadline is submitted with the file as evidence; a forged press, an unsigned event and a
stranger's message change nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.linking import issue_link
from notifier.registry import Registry
from notifier.settings import Secret
from store import links
from store.enums import Channel, InboundOutcome, OutboxStatus
from store.models import Evidence, InboundMessage, PersonChannel
from tests.fakes.smtp import FakeSMTP
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.engine import running
from tests.notifier.world import World
from tests.notifier.zalo_support import webhook, zalo_settings

FP, STRANGER = "8001", "9009"
LYING = b"%PDF-1.4\n" + b"0" * 8 * 1024 * 1024
"""A file declared at 900 bytes: refused while it streams, long before its end."""


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def issue_code(world: World, person: str) -> str:
    with world.store.write() as session:
        return links.issue(session, world.person(person), "test").code


def refused(world: World) -> list[str]:
    with world.store.read() as session:
        rows = session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).all()
        return [str(r.reason) for r in rows]


async def test_linked_focal_point_submits_a_pdf_from_the_reminder_buttons(
    world: World, zalo: FakeZalo
) -> None:
    code = issue_code(world, "fp-a")
    content = b"%PDF-1.4\n" + "Báo cáo 6 tháng — Sở Y tế".encode() * 100
    async with running(world) as engine, webhook(world, zalo, engine.client) as hook:
        assert await hook.post(zalo.text(STRANGER, "xin chào")) == 200
        assert await hook.post(zalo.text(FP, code)) == 200
        wid, step = world.queue()
        deliverer = Deliverer(world.store, Registry([hook.channel]), zalo_settings(world, zalo))
        [outcome] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
        assert outcome.status == "sent"
        titles = [title for title, _ in zalo.buttons(FP)]
        submit = dict(zalo.buttons(FP))["✅ Đã nộp"]
        forged = submit[:-2] + ("AA" if not submit.endswith("AA") else "BB")
        assert await hook.post(zalo.text(FP, forged)) == 200
        assert await hook.post(zalo.text(STRANGER, submit)) == 200
        assert await hook.post(zalo.text(FP, submit), signature="mac=" + "0" * 64) == 403
        assert await hook.post(zalo.text(FP, submit), signature="") == 403
        before = await engine.state()
        assert await hook.post(zalo.text(FP, submit)) == 200
        assert await hook.post(zalo.file(FP, content, "bao-cao-6-thang.pdf")) == 200
        after = await engine.state()

    assert titles == ["✅ Đã nộp", "🕒 Xin gia hạn", "🔔 Nhắc lại sau"]
    assert before.submission is None
    assert after.submission is not None and after.submission.channel == "zalo"
    assert after.submission.by == "fp-a"
    digest = hashlib.sha256(content).hexdigest()
    assert (world.tmp / "evidence" / digest[:2] / digest).read_bytes() == content
    with world.store.read() as session:
        [evidence] = session.query(Evidence).all()
        [binding] = session.query(PersonChannel).filter_by(channel=Channel.ZALO).all()
    assert (evidence.sha256, evidence.file_name) == (digest, "bao-cao-6-thang.pdf")
    assert binding.address == FP
    assert sorted(refused(world)) == [
        "forged or malformed button",
        "unlinked zalo user",
        "unlinked zalo user",
    ]
    texts = zalo.texts(STRANGER)
    assert len(texts) == 2 and all("chưa liên kết" in t for t in texts)
    assert any("Đã liên kết Zalo" in t for t in zalo.texts(FP))
    assert any("không hợp lệ" in t for t in zalo.texts(FP))
    assert digest in zalo.texts(FP)[-1]


async def test_a_user_who_unfollowed_has_zalo_switched_off_and_coordinators_told(
    world: World, zalo: FakeZalo
) -> None:
    code = issue_code(world, "fp-a")
    async with webhook(world, zalo, None) as hook:
        await hook.post(zalo.text(FP, code))
        zalo.followers = set()
        wid, step = world.queue()
        deliverer = Deliverer(world.store, Registry([hook.channel]), zalo_settings(world, zalo))
        [outcome] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
    assert outcome.status == "disabled" and "-213" in str(outcome.error)
    row = world.row(wid, step, Channel.ZALO)
    assert row.status is OutboxStatus.DISABLED


async def test_zalo_then_email_goes_on_zalo_and_falls_back_to_email_when_zalo_cannot(
    world: World, zalo: FakeZalo, smtp: FakeSMTP
) -> None:
    world.edit_person("fp-a", channels=["zalo", "email"])
    world.edit_person("fp-b", channels=["zalo", "email"])  # never linked on Zalo
    code = issue_code(world, "fp-a")
    settings = zalo_settings(world, zalo)
    async with webhook(world, zalo, None) as hook:
        await hook.post(zalo.text(FP, code))
        registry = Registry([EmailChannel(settings.smtp), hook.channel])
        deliverer = Deliverer(world.store, registry, settings)
        first = world.queue(step="remind:-3d")
        assert [r.channel for r in world.rows(workflow_id=first[0], step=first[1])] == [
            Channel.ZALO
        ]
        await deliverer.deliver_step(*first)
        zalo.silent.add(FP)  # -230: FP has not written to the OA for a week
        second = world.queue(step="remind:-1d")
        outcomes = await deliverer.deliver_step(*second)
        unlinked = world.queue(unit="unit-b", step="remind:-1d")
        await deliverer.deliver_step(*unlinked)

    assert len(zalo.texts(FP)) == 2  # the link answer and the first reminder
    assert smtp.to("a@thu.example") and len(smtp.to("a@thu.example")) == 1
    [zalo_row, email_row] = world.rows(workflow_id=second[0], step=second[1])
    assert (zalo_row.channel, zalo_row.status) == (Channel.ZALO, OutboxStatus.FAILED)
    assert "-230" in str(zalo_row.last_error)
    assert (email_row.channel, email_row.status) == (Channel.EMAIL, OutboxStatus.SENT)
    assert [o.status for o in outcomes] == ["failed"]
    assert [r.channel for r in world.rows(workflow_id=unlinked[0])] == [Channel.EMAIL]
    assert len(smtp.to("b@thu.example")) == 1
    with world.store.read() as session:
        [binding] = session.query(PersonChannel).filter_by(channel=Channel.ZALO).all()
    assert binding.disabled_at is None  # a week's silence is not an unfollow


async def test_the_link_email_says_how_to_link_zalo_and_its_code_links(
    world: World, zalo: FakeZalo, smtp: FakeSMTP
) -> None:
    settings = zalo_settings(world, zalo)
    settings = replace(settings, telegram=replace(settings.telegram, token=Secret("")))
    issued = await issue_link(world.store, settings, "fp-b", "test", timedelta(hours=1))
    [mail] = smtp.to("b@thu.example")
    body = mail.get_body(("plain",)).get_content()
    assert issued.sent and issued.url == f"https://zalo.me/{zalo.oa_id}"
    assert "Liên kết Zalo" in str(mail["Subject"]) and "t.me" not in body
    code = body.split("tin nhắn chỉ gồm mã: ")[1].split()[0]
    async with webhook(world, zalo, None) as hook:
        await hook.post(zalo.text("8002", code))
    assert "Đã liên kết Zalo với Phạm Thị B" in zalo.texts("8002")[0]


async def test_quotas_keep_the_message_pending_for_later_and_count_no_attempt(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    zalo.per_user_day = 1
    settings = zalo_settings(world, zalo)
    async with webhook(world, zalo, None) as hook:
        deliverer = Deliverer(world.store, Registry([hook.channel]), settings)
        [first] = await deliverer.deliver_step(*world.queue(step="remind:-3d"), Channel.ZALO.value)
        over = world.queue(step="remind:-1d")
        [second] = await deliverer.deliver_step(*over, Channel.ZALO.value)
    assert first.status == "sent"
    assert second.status == "retry" and second.retry_after == 3600.0 and "-218" in str(second.error)
    row = world.row(*over, Channel.ZALO)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)


async def test_files_that_are_not_reports_or_too_large_change_nothing(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    world.open()
    async with webhook(world, zalo, None, evidence_max_bytes=4096) as hook:
        await hook.post(zalo.file(FP, b"MZ\x90\x00" * 100, "bao-cao.exe"))
        await hook.post(zalo.file(FP, b"<html><script>x</script>" * 10, "bao-cao.pdf"))
        await hook.post(zalo.file(FP, LYING, "bao-cao.pdf", size=900))
    replies = zalo.texts(FP)
    assert "không nhận tệp loại này" in replies[0]
    assert "không phải PDF" in replies[1]
    assert "4096" in replies[2] or "4.096" in replies[2]
    assert not list(world.tmp.glob("evidence/*/*"))
    assert len(refused(world)) == 3
    assert zalo.served_bytes < len(LYING) // 2  # the lying file was not fetched whole


async def test_extension_asked_on_zalo_is_decided_by_the_coordinator_on_zalo_and_snooze_works(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    world.link_zalo("coord", "7001")
    settings = zalo_settings(world, zalo)
    async with running(world) as engine, webhook(world, zalo, engine.client) as hook:
        deliverer = Deliverer(world.store, Registry([hook.channel]), settings)
        await deliverer.deliver_step(*world.queue(), Channel.ZALO.value)
        buttons = dict(zalo.buttons(FP))
        await hook.post(zalo.text(FP, buttons["🔔 Nhắc lại sau"]))
        await hook.post(zalo.text(FP, buttons["🕒 Xin gia hạn"]))
        await hook.post(zalo.text(FP, "5 ngày: chờ số liệu của các xã"))
        [requested] = (await engine.state()).extensions
        wid = world.inputs["unit-a"].cycle.deadline_id("unit-a")
        step = f"extension-request:{requested.request_id}"
        [sent] = await deliverer.deliver_step(wid, step, Channel.ZALO.value)
        approve = dict(zalo.buttons("7001"))["✅ Đồng ý"]
        await hook.post(zalo.text(FP, approve))  # the asker cannot decide his own request
        assert (await engine.state()).extensions[0].status == "requested"
        await hook.post(zalo.text("7001", approve))
        state = await engine.state()

    assert state.snoozes == 1
    assert (requested.days, requested.reason, requested.by) == (5, "chờ số liệu của các xã", "fp-a")
    assert sent.status == "sent" and "Đề nghị gia hạn 5 ngày" in zalo.texts("7001")[0]
    assert state.extensions[0].status == "approved" and state.extensions[0].decided_by == "coord"
    assert "Đã gửi đề nghị gia hạn 5 ngày" in zalo.texts(FP)[-2]
    assert "Đã đồng ý gia hạn" in zalo.texts("7001")[-1]


async def test_unfollowing_the_oa_switches_zalo_off_at_once_and_following_again_on(
    world: World, zalo: FakeZalo, smtp: FakeSMTP
) -> None:
    world.link_zalo("fp-a", FP)
    world.edit_person("fp-a", channels=["zalo", "email"])
    settings = zalo_settings(world, zalo)
    async with webhook(world, zalo, None) as hook:
        registry = Registry([EmailChannel(settings.smtp), hook.channel])
        deliverer = Deliverer(world.store, registry, settings)
        await hook.post(zalo.event("unfollow", FP))
        away = world.queue(step="remind:-3d")
        await deliverer.deliver_step(*away)
        await hook.post(zalo.event("follow", FP))
        back = world.queue(step="remind:-1d")
        await deliverer.deliver_step(*back)
    assert [r.channel for r in world.rows(workflow_id=away[0], step=away[1])] == [Channel.EMAIL]
    assert len(smtp.to("a@thu.example")) == 1
    assert [r.channel for r in world.rows(workflow_id=back[0], step=back[1])] == [Channel.ZALO]
    assert len(zalo.texts(FP)) == 1  # the reminder; following again needs no answer


async def test_a_stranger_writing_again_and_again_is_dropped_before_any_work(
    world: World, zalo: FakeZalo
) -> None:
    async with webhook(world, zalo, None) as hook:
        for n in range(10):
            assert await hook.post(zalo.text(STRANGER, f"alo {n}")) == 200
        answered = len(zalo.texts(STRANGER))
    assert answered == 3  # the stranger's budget: then nothing, not even an answer
    assert len(refused(world)) == 3
