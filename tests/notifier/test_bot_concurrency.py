"""The bot under load from one chat: other chats are answered meanwhile, a stranger's
flood is dropped before any work, and one chat's updates keep their order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application

from notifier.telegram.bot import HanchotBot
from notifier.telegram.updates import Budget, Gate
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World
from tests.workflows.support import until

LINKED, STRANGER = 1001, 9009


@asynccontextmanager
async def polling(
    world: World,
) -> AsyncIterator[tuple[HanchotBot, Application[Any, Any, Any, Any, Any, Any]]]:
    bot = HanchotBot(world.store, None, world.settings)  # type: ignore[arg-type]
    app = bot.application()
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=1, poll_interval=0)
        try:
            yield bot, app
        finally:
            await app.updater.stop()
            await app.stop()


async def test_a_strangers_flood_neither_delays_a_linked_user_nor_is_answered(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(LINKED))
    async with polling(world) as (bot, _):
        for _ in range(30):
            telegram.push(telegram.message(STRANGER, "/start"))
        telegram.push(telegram.message(LINKED, "/status"))

        async def answered() -> bool:
            return bool(telegram.texts(LINKED))

        await until(answered, "the linked user's answer")
        before = len(telegram.texts(STRANGER))

        async def drained() -> bool:
            return bot.gate.dropped + len(telegram.texts(STRANGER)) >= 30

        await until(drained, "every stranger update answered or dropped")
    assert before <= bot.gate.stranger.burst
    assert len(telegram.texts(STRANGER)) == bot.gate.stranger.burst
    assert bot.gate.dropped == 30 - bot.gate.stranger.burst


async def test_one_chats_updates_keep_their_order_while_another_chat_is_answered(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(LINKED))
    async with polling(world):
        for text in ("/status", "một", "hai"):
            telegram.push(telegram.message(LINKED, text))
        telegram.push(telegram.message(STRANGER, "/start"))

        async def answered() -> bool:
            return len(telegram.texts(LINKED)) == 3 and bool(telegram.texts(STRANGER))

        await until(answered, "both chats answered")
    first, second, third = telegram.texts(LINKED)
    assert "không còn báo cáo nào" in first  # /status first, then the two texts
    assert "Chưa hiểu tin nhắn" in second and second == third
    linked = [i for i, m in enumerate(telegram.sent) if m["chat_id"] == str(LINKED)]
    stranger = [i for i, m in enumerate(telegram.sent) if m["chat_id"] == str(STRANGER)]
    # The stranger's answer did not wait for the linked chat's three (1 s apart).
    assert stranger[0] < linked[-1]


def test_the_gate_gives_a_stranger_a_few_updates_then_one_a_minute() -> None:
    now = [0.0]
    gate = Gate(stranger=Budget(3, 60), all_strangers=Budget(100, 1), clock=lambda: now[0])
    assert gate.admit(7) and gate.turn(7)  # not yet known: a person's budget
    gate.stranger_seen(7)  # that first update took one of the three
    assert [gate.admit(7) and gate.turn(7) for _ in range(4)] == [True, True, False, False]
    now[0] += 60
    assert gate.turn(7) and not gate.turn(7)
    gate.linked(7)
    assert all(gate.turn(7) for _ in range(10))
    assert all(gate.admit(8) and gate.turn(8) for _ in range(10))  # never held back


def test_a_chat_can_queue_only_a_bounded_number_of_updates() -> None:
    gate = Gate(person=Budget(20, 0.5), clock=lambda: 0.0)
    assert [gate.admit(5) for _ in range(25)].count(True) == 20


def test_all_strangers_together_share_one_budget() -> None:
    gate = Gate(stranger=Budget(3, 60), all_strangers=Budget(15, 60), clock=lambda: 0.0)
    for chat in range(10):
        gate.stranger_seen(chat)  # ten of the fifteen taken
    admitted = [gate.turn(chat) for chat in range(10)]
    assert admitted.count(True) == 5
