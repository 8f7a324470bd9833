"""The bot acting on real UnitDeadline workflows (time-skipping server) for linked people:
buttons, documents as evidence, extensions decided by the coordinator, /status, and
everything that must change nothing."""

from __future__ import annotations

import hashlib

from notifier.delivery import Deliverer
from notifier.registry import Registry
from notifier.telegram.keyboard import Action, encode
from store.enums import InboundOutcome
from store.models import Evidence, InboundMessage
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.engine import bot_app, feed, running
from tests.notifier.world import World

FP_A, COORD, STRANGER = 1001, 2002, 9009


def press(world: World, action: Action, row: int) -> str:
    return encode(world.settings.secret, action, row)


async def test_submitted_button_then_a_document_is_a_submission_with_evidence(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    content = b"%PDF-1.4\n" + "Báo cáo 6 tháng — Sở Y tế".encode() * 100
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        deadline = world.deadline_id()
        await feed(app, telegram.callback(FP_A, press(world, Action.SUBMIT, deadline)))
        await feed(app, telegram.document(FP_A, content, "bao-cao-6-thang.pdf"))
        state = await engine.state()

    assert "Gửi tệp báo cáo" in telegram.texts(FP_A)[0]
    assert state.submission is not None and state.submission.by == "fp-a"
    assert state.submission.channel == "telegram"
    digest = hashlib.sha256(content).hexdigest()
    receipt = telegram.texts(FP_A)[-1]
    assert "Đã ghi nhận" in receipt and digest in receipt and str(len(content)) in receipt
    stored = world.tmp / "evidence" / digest[:2] / digest
    assert stored.read_bytes() == content
    with world.store.read() as session:
        [evidence] = session.query(Evidence).all()
        applied = session.query(InboundMessage).filter_by(outcome=InboundOutcome.APPLIED).count()
    assert (evidence.sha256, evidence.size, evidence.file_name) == (
        digest,
        len(content),
        "bao-cao-6-thang.pdf",
    )
    assert applied == 1


async def test_a_document_number_after_the_button_is_a_submission(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        await feed(app, telegram.callback(FP_A, press(world, Action.SUBMIT, world.deadline_id())))
        await feed(app, telegram.message(FP_A, "45/BC-SYT"))
        state = await engine.state()
    assert state.submission is not None and state.submission.document_number == "45/BC-SYT"
    assert "Số văn bản: 45/BC-SYT" in telegram.texts(FP_A)[-1]


async def test_extension_request_reaches_the_coordinator_who_approves_with_a_button(
    world: World, telegram: FakeTelegram, registry: Registry
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    world.edit_person("coord", telegram="@coord")  # the calendar gives a handle...
    world.link_telegram("coord", str(COORD))  # ...and the coordinator linked it
    deliverer = Deliverer(world.store, registry, world.settings)
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        await feed(app, telegram.callback(FP_A, press(world, Action.EXTEND, world.deadline_id())))
        await feed(app, telegram.message(FP_A, "5 chờ số liệu của các xã"))
        [requested] = (await engine.state()).extensions
        step = f"extension-request:{requested.request_id}"
        outcomes = await deliverer.deliver_step(requested_wid(world), step, channel="telegram")
        [to_coord] = [m for m in telegram.sent if m["chat_id"] == str(COORD)]
        approve, _refuse = to_coord["reply_markup"]["inline_keyboard"][0]
        # The focal point cannot decide his own request, even with the real button.
        await feed(app, telegram.callback(FP_A, approve["callback_data"]))
        assert (await engine.state()).extensions[0].status == "requested"
        await feed(app, telegram.callback(COORD, approve["callback_data"]))
        decided = (await engine.state()).extensions[0]

    assert [o.status for o in outcomes] == ["sent"]
    assert "Đề nghị gia hạn 5 ngày" in to_coord["text"] and "chờ số liệu" in to_coord["text"]
    assert (requested.days, requested.reason, requested.by) == (5, "chờ số liệu của các xã", "fp-a")
    assert "Đã gửi đề nghị gia hạn 5 ngày" in telegram.texts(FP_A)[-1]
    assert any("Chỉ người nhận đề nghị" in a.get("text", "") for a in telegram.answers)
    assert decided.status == "approved" and decided.decided_by == "coord"
    assert "Đã đồng ý gia hạn" in telegram.texts(COORD)[-1]
    assert telegram.edits and telegram.edits[-1]["chat_id"] == str(COORD)


def requested_wid(world: World) -> str:
    return world.inputs["unit-a"].cycle.deadline_id("unit-a")


async def test_remind_me_later_snoozes_within_bounds(world: World, telegram: FakeTelegram) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        await feed(app, telegram.callback(FP_A, press(world, Action.SNOOZE, world.deadline_id())))
        state = await engine.state()
    assert state.snoozes == 1
    assert "Sẽ nhắc lại sau khoảng 24 giờ" in telegram.texts(FP_A)[-1]


async def test_status_lists_what_the_units_still_owe_with_legal_ends(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        await feed(app, telegram.message(FP_A, "/status"))
    [answer] = telegram.texts(FP_A)
    assert "Báo cáo 6 tháng công tác bình đẳng giới" in answer
    assert "Sở Y tế: hạn cuối hết ngày Thứ Hai, 16/06/2031" in answer
    from datetime import date, datetime

    from deadlines import present

    today = datetime.now(present.TZ).date()  # the bot counts to the wall clock's today
    assert f"(Chưa mở, {present.days_text(date(2031, 6, 16), today)})" in answer


async def test_forged_foreign_unknown_and_oversized_change_nothing(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with (
        running(world, ("unit-a", "unit-b")) as engine,
        bot_app(world, engine.client) as (
            bot,
            app,
        ),
    ):
        mine, theirs = world.deadline_id("unit-a"), world.deadline_id("unit-b")
        forged = press(world, Action.SUBMIT, mine)[:-2] + "xx"
        await feed(app, telegram.callback(FP_A, forged))
        await feed(app, telegram.callback(FP_A, f"s:{mine}:AAAAAAAA"))
        await feed(app, telegram.callback(FP_A, press(world, Action.SUBMIT, theirs)))
        await feed(app, telegram.callback(STRANGER, press(world, Action.SUBMIT, mine)))
        await feed(app, telegram.message(STRANGER, "45/BC"))
        big = telegram.document(FP_A, b"x", "lon.pdf", size=bot.evidence.max_bytes + 1)
        await feed(app, big)
        states = [await engine.state("unit-a"), await engine.state("unit-b")]

    answers = [a.get("text", "") for a in telegram.answers]
    assert answers.count("Nút này không hợp lệ hoặc đã cũ; không có gì thay đổi.") == 2
    assert any("không phải đầu mối" in a for a in answers)
    assert any("chưa liên kết" in a for a in answers)
    assert "chưa liên kết" in telegram.texts(STRANGER)[0]
    assert "Tệp quá lớn" in telegram.texts(FP_A)[-1]
    assert all(s.submission is None and s.snoozes == 0 for s in states)
    assert not (world.tmp / "evidence").exists()
    with world.store.read() as session:
        refused = session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).count()
    assert refused == 5


async def test_a_refused_update_is_explained(world: World, telegram: FakeTelegram) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        deadline = world.deadline_id()
        await feed(app, telegram.callback(FP_A, press(world, Action.SUBMIT, deadline)))
        await feed(app, telegram.message(FP_A, "45/BC-SYT"))
        await feed(app, telegram.callback(FP_A, press(world, Action.EXTEND, deadline)))
        await feed(app, telegram.message(FP_A, "3 thiếu số liệu"))
        state = await engine.state()
    assert state.extensions == []
    assert "Không thực hiện được" in telegram.texts(FP_A)[-1]
