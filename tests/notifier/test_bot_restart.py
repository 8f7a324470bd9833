"""The bot's half-finished exchanges survive a restart: a question asked by one bot
application (its own engine and connections, shut down) is answered through the next one
on SQLite and PostgreSQL, and `hanchot bot` itself killed with SIGKILL between question
and answer loses nothing; an answer is applied once; a question left a day lapses."""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from telegram.ext import Application
from temporalio.client import Client

from activities.deadlines import DeadlineActivities
from activities.planning import PlanningActivities
from activities.store_access import StoreAccess
from notifier.inbound import Engine
from notifier.telegram.bot import HanchotBot
from notifier.telegram.keyboard import Action, decode, encode
from notifier.telegram.pending import Pending
from store import db
from store.enums import InboundOutcome
from store.models import Evidence, InboundMessage, TelegramPending, TelegramQuestion
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import BACKENDS
from tests.notifier.engine import feed, running
from tests.notifier.world import World
from tests.ops.test_metrics_process import HANCHOT, environment
from tests.workflows.support import dev_server, run_timeout, until, worker
from workflows.unit_deadline import UnitDeadline as UnitDeadlineWorkflow

FP_A = 1001
REASON = "chờ số liệu của các xã, phường"


@asynccontextmanager
async def bot_process(
    world: World, client: Client
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """A bot as a fresh `hanchot bot` builds it: its own engine on the same database,
    nothing shared in memory with any earlier one; shut down on exit."""
    engine = db.create_engine(world.store.engine.url)
    try:
        app = HanchotBot(StoreAccess(engine), Engine(client), world.settings).application()
        async with app:
            yield app
    finally:
        engine.dispose()


def rows(world: World) -> list[TelegramPending]:
    """The pending rows as another connection sees them (committed, not cached)."""
    engine = db.create_engine(world.store.engine.url)
    try:
        with db.session_factory(engine)() as session:
            found = list(session.scalars(sa.select(TelegramPending)))
            session.expunge_all()
            return found
    finally:
        engine.dispose()


def age(world: World, hours: float) -> None:
    """Move every question and held file back in time, as a day of silence would."""
    with world.store.write() as session:
        for row in session.scalars(sa.select(TelegramPending)):
            if row.asked_at is not None:
                row.asked_at -= timedelta(hours=hours)
            if row.held_at is not None:
                row.held_at -= timedelta(hours=hours)


def applied(world: World) -> int:
    with world.store.read() as session:
        return session.query(InboundMessage).filter_by(outcome=InboundOutcome.APPLIED).count()


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_extension_asked_before_a_restart_is_answered_after_it_once(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine:
        deadline = world.deadline_id()
        press = telegram.callback(FP_A, encode(world.settings.secret, Action.EXTEND, deadline))
        async with bot_process(world, engine.client) as first:
            await feed(first, press)
            # Committed when the question went out: a crash now would not lose it.
            [saved] = rows(world)
        answer = telegram.message(FP_A, f"5 ngày, {REASON}")
        async with bot_process(world, engine.client) as second:
            await feed(second, answer)
            await feed(second, answer)  # re-delivered (the offset was not acknowledged)
        async with bot_process(world, engine.client) as third:
            await feed(third, telegram.message(FP_A, f"5 ngày, {REASON}"))  # sent again
        state = await engine.state()

    assert (saved.chat_id, saved.question, saved.deadline_id) == (
        str(FP_A),
        TelegramQuestion.EXTENSION,
        deadline,
    )
    [requested] = state.extensions
    assert (requested.days, requested.reason, requested.by) == (5, REASON, "fp-a")
    assert requested.request_id == f"tg:{press['update_id']}"
    assert applied(world) == 1
    texts = telegram.texts(FP_A)
    assert "Gửi số ngày xin gia hạn" in texts[0]
    assert "Đã gửi đề nghị gia hạn 5 ngày" in texts[1]
    assert (
        texts[2:]
        == [
            "Chưa hiểu tin nhắn. Hãy dùng các nút trên tin nhắc, hoặc gửi /status.",
        ]
        * 2
    )
    assert rows(world) == []


async def test_a_crash_after_the_engine_applied_the_answer_does_not_apply_it_twice(
    world: World, telegram: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bot dies between the workflow update and clearing the question: the answer
    sent again after the restart names the same request, a duplicate for the workflow."""
    world.link_telegram("fp-a", str(FP_A))

    def crash(self: Pending, chat_id: str, request_id: str) -> None:
        raise RuntimeError("killed before the question was cleared")

    async with running(world) as engine:
        press = telegram.callback(
            FP_A, encode(world.settings.secret, Action.EXTEND, world.deadline_id())
        )
        async with bot_process(world, engine.client) as first:
            await feed(first, press)
            with monkeypatch.context() as patch:
                patch.setattr(Pending, "forget", crash)
                await feed(first, telegram.message(FP_A, f"5 {REASON}"))
        still = rows(world)
        async with bot_process(world, engine.client) as second:
            await feed(second, telegram.message(FP_A, f"7 {REASON}"))  # and misremembered
        state = await engine.state()

    assert [r.question for r in still] == [TelegramQuestion.EXTENSION]
    [requested] = state.extensions
    assert requested.days == 5
    assert telegram.texts(FP_A)[-1] == "Yêu cầu này đã được thực hiện trước đó."
    assert rows(world) == []


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_an_answer_after_a_day_is_told_the_question_lapsed(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine:
        deadline = world.deadline_id()
        async with bot_process(world, engine.client) as first:
            await feed(
                first,
                telegram.callback(FP_A, encode(world.settings.secret, Action.EXTEND, deadline)),
            )
        age(world, 24)
        async with bot_process(world, engine.client) as second:
            await feed(second, telegram.message(FP_A, f"5 {REASON}"))
            await feed(second, telegram.message(FP_A, f"5 {REASON}"))
            await feed(
                second,
                telegram.callback(FP_A, encode(world.settings.secret, Action.SUBMIT, deadline)),
            )
        age(world, 25)
        async with bot_process(world, engine.client) as third:
            await feed(third, telegram.message(FP_A, "45/BC-SYT"))
        state = await engine.state()

    assert state.extensions == [] and state.submission is None
    texts = telegram.texts(FP_A)
    lapsed = texts[1]
    assert "(sau khi anh/chị bấm 🕒 Xin gia hạn) đã quá 24 giờ" in lapsed
    assert "tin nhắn này chưa được ghi nhận, không có gì thay đổi" in lapsed
    assert "Chưa hiểu tin nhắn" in texts[2]  # the lapsed question was dropped
    assert "(sau khi anh/chị bấm ✅ Đã nộp) đã quá 24 giờ" in texts[-1]
    assert applied(world) == 0
    assert rows(world) == []


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_a_file_waiting_for_its_deadline_survives_a_restart(
    world: World, telegram: FakeTelegram
) -> None:
    """A file sent while two deadlines are owed waits for the choice; the choice is made
    with the button after a restart. (Both focal points share one chat here, the simplest
    way to owe two deadlines in the test calendar.)"""
    world.link_telegram("fp-a", str(FP_A))
    world.link_telegram("fp-b", str(FP_A))
    content = b"%PDF-1.4\n" + "Báo cáo của Sở Giáo dục và Đào tạo".encode() * 50
    async with running(world, ("unit-a", "unit-b")) as engine:
        async with bot_process(world, engine.client) as first:
            await feed(first, telegram.document(FP_A, content, "báo-cáo-sở-gd.pdf"))
        [held] = rows(world)
        [ask] = [m for m in telegram.sent if "reply_markup" in m]
        buttons = [row[0] for row in ask["reply_markup"]["inline_keyboard"]]
        presses = {
            b["callback_data"]: decode(world.settings.secret, b["callback_data"]) for b in buttons
        }
        [pick] = [d for d, p in presses.items() if p and p.row_id == world.deadline_id("unit-b")]
        async with bot_process(world, engine.client) as second:
            await feed(second, telegram.callback(FP_A, pick))
            await feed(second, telegram.callback(FP_A, pick))  # twice
        states = [await engine.state("unit-a"), await engine.state("unit-b")]

    assert held.held is not None and held.held["file"]["file_name"] == "báo-cáo-sở-gd.pdf"
    assert held.question is None
    assert states[0].submission is None
    assert states[1].submission is not None and states[1].submission.by == "fp-b"
    with world.store.read() as session:
        [evidence] = session.query(Evidence).all()
    assert evidence.file_name == "báo-cáo-sở-gd.pdf" and evidence.size == len(content)
    assert "Đã ghi nhận" in telegram.texts(FP_A)[-2]
    assert "Nút này không hợp lệ hoặc đã cũ" in telegram.texts(FP_A)[-1]
    [after] = rows(world)  # what stays: further files go to this submission for a while
    assert (after.question, after.held, after.held_at) == (None, None, None)
    assert after.filed_deadline_id == world.deadline_id("unit-b")


async def test_a_file_held_for_more_than_a_day_is_let_go(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    world.link_telegram("fp-b", str(FP_A))
    async with running(world, ("unit-a", "unit-b")) as engine:
        async with bot_process(world, engine.client) as first:
            await feed(first, telegram.message(FP_A, "x"))  # nothing asked: not understood
            await feed(first, telegram.document(FP_A, b"%PDF-1.4 bc", "bc.pdf"))
        age(world, 24)
        [ask] = [m for m in telegram.sent if "reply_markup" in m]
        pick = ask["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        async with bot_process(world, engine.client) as second:
            await feed(second, telegram.callback(FP_A, pick))
        states = [await engine.state("unit-a"), await engine.state("unit-b")]

    assert all(s.submission is None for s in states)
    assert "đã chờ chọn báo cáo quá 24 giờ" in telegram.texts(FP_A)[-1]
    assert rows(world) == []


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_pending_rows_on_each_backend(world: World) -> None:
    """One row per chat: a newer question replaces the older, clearing is compare-and-set
    on the request, and the row goes once nothing is pending."""
    pending = Pending(world.store)
    world.open()
    row_id = world.deadline_id()
    pending.ask("-1001", TelegramQuestion.SUBMIT, row_id, "tg:1")
    pending.ask("-1001", TelegramQuestion.EXTENSION, row_id, "tg:2")
    pending.forget("-1001", "tg:1")  # an older question's answer: the newer one stays
    question = pending.question("-1001")
    assert question is not None
    assert (question.kind, question.request_id) == (TelegramQuestion.EXTENSION, "tg:2")
    assert not question.expired()
    assert question.expired(question.asked_at + timedelta(hours=24))

    pending.hold("-1001", "45/BC-UBND “bản chính”", None)
    pending.forget("-1001", "tg:2")
    assert pending.question("-1001") is None
    held = pending.held("-1001")
    assert held is not None and (held.number, held.stored) == ("45/BC-UBND “bản chính”", None)
    pending.release("-1001")
    assert pending.held("-1001") is None
    assert rows(world) == []


def start_bot(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [HANCHOT, "bot"],
            stdout=out,
            stderr=out,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)


async def test_hanchot_bot_killed_between_question_and_answer(
    world: World, telegram: FakeTelegram
) -> None:
    """`hanchot bot` as deployed (long polling, its own process) asks, is killed with
    SIGKILL (no shutdown, no flush), and the next `hanchot bot` understands the answer."""
    world.link_telegram("fp-a", str(FP_A))
    log = world.tmp / "bot.log"
    async with dev_server() as temporal:
        activities = [*DeadlineActivities(world.store).all(), *PlanningActivities().all()]
        async with worker(temporal.client, activities) as queue:
            inp = world.freeze()
            handle = await temporal.client.start_workflow(
                UnitDeadlineWorkflow.run,
                inp,
                id=inp.cycle.deadline_id("unit-a"),
                task_queue=queue,
                execution_timeout=run_timeout(),
            )

            async def mirrored() -> bool:
                return bool(world.deadline_id())

            await until(mirrored, "the deadline in the store")
            env = environment(
                world,
                temporal.client.service_client.config.target_host,
                TELEGRAM_BOT_TOKEN=telegram.token,
                TELEGRAM_API_BASE_URL=telegram.base,
                # the killed bot's polling lease must run out before the next one polls
                HANCHOT_JOB_LEASE_SECONDS="3",
            )
            secret = world.settings.secret
            proc = start_bot(env, log)
            try:
                telegram.push(
                    telegram.callback(FP_A, encode(secret, Action.EXTEND, world.deadline_id()))
                )

                async def asked() -> bool:
                    return any("Gửi số ngày" in t for t in telegram.texts(FP_A))

                await until(asked, "the question")
            finally:
                stop(proc)  # SIGKILL: nothing after the question is flushed or cleaned up
            proc = start_bot(env, log)
            try:
                telegram.push(telegram.message(FP_A, f"5 ngày, {REASON}"))

                async def answered() -> bool:
                    return any("Đã gửi đề nghị" in t for t in telegram.texts(FP_A))

                await until(answered, "the answer understood")
            finally:
                stop(proc)
            state = await handle.query(UnitDeadlineWorkflow.state)

    [requested] = state.extensions
    assert (requested.days, requested.reason, requested.by) == (5, REASON, "fp-a")
    assert not any("Chưa hiểu" in t for t in telegram.texts(FP_A)), log.read_text()
    assert applied(world) == 1
