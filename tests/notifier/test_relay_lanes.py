"""The relay sends to many chats at once: one chat waiting for its second does not hold
the others, reminders that piled up for one chat go as one message, and rows that fall
due during a sweep are sent by it."""

from __future__ import annotations

import asyncio

import pytest

from notifier.delivery import Deliverer
from notifier.service import sweep
from store.enums import Channel, OutboxStatus
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World

pytestmark = pytest.mark.parametrize("world", BACKENDS, indirect=True)

CHAT_A, CHAT_B = "5001", "5002"


def telegram_only(world: World) -> None:
    for key, chat in (("fp-a", CHAT_A), ("fp-b", CHAT_B)):
        world.edit_person(key, email=None, telegram=f"@{key}")
        world.link_telegram(key, chat)


def order(telegram: FakeTelegram) -> list[str]:
    return [str(m["chat_id"]) for m in telegram.sent]


async def test_a_chat_waiting_for_its_second_does_not_hold_the_others(
    world: World, deliverer: Deliverer, telegram: FakeTelegram
) -> None:
    telegram_only(world)
    for n, kind in enumerate(("reminder", "escalation", "reminder")):
        world.queue(kind=kind, step=f"remind:-{n + 1}d")  # not merged: kinds alternate
    world.queue(unit="unit-b")
    await sweep(deliverer)
    assert order(telegram).count(CHAT_A) == 3
    assert order(telegram).index(CHAT_B) < 2  # not after fp-a's three, 1 s apart
    assert telegram.rate_limited == 0


async def test_reminders_that_piled_up_for_one_chat_go_as_one_message(
    world: World, deliverer: Deliverer, telegram: FakeTelegram
) -> None:
    telegram_only(world)
    queued = [world.queue(step=f"remind:-{n}d") for n in (7, 3, 1)]
    world.queue(kind="escalation", step="escalate:1d")
    await sweep(deliverer)
    merged, escalation = telegram.sent
    rows = [world.row(wid, step, Channel.TELEGRAM) for wid, step in queued]
    assert all(r.status is OutboxStatus.SENT for r in rows)
    assert len({r.message_id for r in rows}) == 1  # one message, recorded on each row
    assert merged["text"].startswith("<b>1.</b> ") and "\n\n<b>2.</b> " in merged["text"]
    assert "\n\n<b>3.</b> " in merged["text"]
    buttons = [b["text"] for row in merged["reply_markup"]["inline_keyboard"] for b in row]
    assert len(buttons) == 9 and buttons[0].startswith("1. ") and buttons[-1].startswith("3. ")
    assert escalation["chat_id"] == CHAT_A and "<b>1.</b>" not in escalation["text"]


async def test_rows_due_during_a_sweep_are_sent_by_it(
    world: World, deliverer: Deliverer, telegram: FakeTelegram
) -> None:
    telegram_only(world)
    for n, kind in enumerate(("reminder", "escalation", "reminder")):
        world.queue(kind=kind, step=f"remind:-{n + 1}d")
    running = asyncio.create_task(sweep(deliverer))
    while not telegram.sent:
        await asyncio.sleep(0.01)
    world.queue(unit="unit-b")  # queued while fp-a's rows are still going
    assert await running == 4
    assert CHAT_B in order(telegram)
