"""The Zalo webhook answers at once from a durable inbound queue: a slow file does not hold
the answer, an event stored and not handled (the process died) is handled at the next
start, a repeated delivery once, a failing event is marked failed and does not block its
user's next ones, and two processes on one store never handle one event twice."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from notifier.zalo.inbox import Inbox
from store import zalo_inbound
from store.base import utcnow
from store.enums import ZaloEventStatus
from store.models import ZaloInbound
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World
from tests.notifier.zalo_support import webhook

FP = "8001"
PDF = b"%PDF-1.4\n" + "Báo cáo năm".encode() * 50


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def queue(world: World) -> list[ZaloInbound]:
    with world.store.read() as session:
        return list(session.scalars(sa.select(ZaloInbound).order_by(ZaloInbound.id)))


def fetched(world: World) -> int:
    """Files fetched and stored (before being routed: nothing is owed here)."""
    return len(list(world.tmp.glob("evidence/*/*")))


async def test_the_webhook_answers_before_a_slow_file_is_fetched(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    zalo.file_gate = threading.Event()
    async with webhook(world, zalo, None) as hook:
        status = await hook.answer(zalo.file(FP, PDF, "bao-cao.pdf"))
        [row] = queue(world)
        answered = (status, row.status, fetched(world))
        zalo.file_gate.set()
        await hook.inbox.idle()
    assert answered[0] == 200 and answered[1] is not ZaloEventStatus.DONE and answered[2] == 0
    [row] = queue(world)
    assert row.status is ZaloEventStatus.DONE and row.attempts == 1
    assert fetched(world) == 1 and len(zalo.texts(FP)) == 1


async def test_an_event_stored_before_a_crash_is_handled_at_the_next_start(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    async with webhook(world, zalo, None) as hook:
        # answered, stored, then the process dies: never claimed, and one claimed by a
        # process that died while handling it (its lease runs out)
        await hook.inbox.stop()
        assert await hook.answer(zalo.text(FP, "alo 1")) == 200
        assert await hook.answer(zalo.text(FP, "alo 2")) == 200
        with world.store.write() as session:
            [dead] = zalo_inbound.claim(session, "dead:1:aa/zalo", utcnow(), hook.inbox.lease, 5)
        assert not zalo.texts(FP)
    with world.store.write() as session:
        session.execute(
            sa.update(ZaloInbound).where(ZaloInbound.id == dead.id).values(lease_until=utcnow())
        )
    async with webhook(world, zalo, None) as again:
        await again.inbox.idle()
    rows = queue(world)
    assert [r.status for r in rows] == [ZaloEventStatus.DONE, ZaloEventStatus.DONE]
    assert [r.attempts for r in rows] == [2, 1]  # the dead claim counted
    assert len(zalo.texts(FP)) == 2


async def test_a_repeated_delivery_is_stored_and_handled_once(world: World, zalo: FakeZalo) -> None:
    world.link_zalo("fp-a", FP)
    event = zalo.text(FP, "alo")
    async with webhook(world, zalo, None) as hook:
        statuses = [await hook.post(event) for _ in range(3)]
    assert statuses == [200, 200, 200]
    assert len(queue(world)) == 1 and len(zalo.texts(FP)) == 1


async def test_a_failing_event_is_failed_with_why_and_its_user_goes_on(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    poison = zalo.event("user_send_text", FP)
    poison["message"] = "không phải một đối tượng"  # the handler cannot read it
    async with webhook(world, zalo, None) as hook:
        assert await hook.post(poison) == 200
        assert await hook.post(zalo.text(FP, "alo")) == 200
    first, second = queue(world)
    assert first.status is ZaloEventStatus.FAILED and first.attempts == 1
    assert "AttributeError" in str(first.error)
    assert second.status is ZaloEventStatus.DONE
    assert len(zalo.texts(FP)) == 1  # the next one was answered


async def test_an_event_that_kept_killing_its_process_is_failed_not_run_again(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    async with webhook(world, zalo, None) as hook:
        await hook.inbox.stop()
        await hook.answer(zalo.text(FP, "alo"))
    for n in range(zalo_inbound.MAX_ATTEMPTS):
        with world.store.write() as session:
            [taken] = zalo_inbound.claim(session, f"dead:{n}/zalo", utcnow(), hook.inbox.lease, 1)
            session.execute(sa.update(ZaloInbound).values(lease_until=utcnow()))
    async with webhook(world, zalo, None) as again:
        await again.inbox.idle()
    [row] = queue(world)
    assert taken.attempts == zalo_inbound.MAX_ATTEMPTS
    assert row.status is ZaloEventStatus.FAILED and "abandoned" in str(row.error)
    assert not zalo.texts(FP)


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_two_processes_share_the_queue_each_event_once_each_user_in_order(
    world: World, zalo: FakeZalo
) -> None:
    users = [str(8100 + n) for n in range(6)]
    handled: list[tuple[str, int]] = []
    running: dict[str, int] = {}
    overlap: list[str] = []
    busiest = [0]

    def observe(inbox: Inbox) -> None:
        real = inbox.handle

        async def handle(event: dict[str, Any]) -> None:
            user = event["sender"]["id"]
            running[user] = running.get(user, 0) + 1
            if running[user] > 1:
                overlap.append(user)
            busiest[0] = max(busiest[0], sum(running.values()))
            await asyncio.sleep(0.01)  # a handler that yields, so others may interleave
            await real(event)
            handled.append((user, int(event["message"]["text"].split()[1])))
            running[user] -= 1

        inbox.handle = handle

    async with webhook(world, zalo, None) as one, webhook(world, zalo, None) as two:
        for hook in (one, two):
            hook.inbox.concurrency = 3
            observe(hook.inbox)
        for n in range(6):
            for index, user in enumerate(users):
                hook = one if (n + index) % 2 else two
                assert await hook.answer(zalo.text(user, f"alo {n}")) == 200
        await one.inbox.idle(60)
        await two.inbox.idle(60)

    assert sorted(handled) == sorted((u, n) for u in users for n in range(6))
    for user in users:
        assert [n for u, n in handled if u == user] == list(range(6))
    assert not overlap and busiest[0] <= 6
    assert one.inbox.handled + two.inbox.handled == 36
    assert all(r.status is ZaloEventStatus.DONE and r.attempts == 1 for r in queue(world))


async def test_events_of_the_oa_own_messages_are_answered_and_not_stored(
    world: World, zalo: FakeZalo
) -> None:
    event = zalo.event("oa_send_text", zalo.oa_id, {"text": "Nhắc hạn nộp báo cáo"})
    async with webhook(world, zalo, None) as hook:
        assert await hook.post(event) == 200
    assert queue(world) == []


async def test_a_download_that_stalls_is_failed_and_its_user_goes_on(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    zalo.file_gate = threading.Event()  # never opened while the event is handled
    try:
        async with webhook(world, zalo, None) as hook:
            hook.inbox.timeout = 1.0
            assert await hook.post(zalo.file(FP, PDF, "bao-cao.pdf")) == 200
            assert await hook.post(zalo.text(FP, "alo")) == 200
    finally:
        zalo.file_gate.set()
    stalled, after = queue(world)
    assert stalled.status is ZaloEventStatus.FAILED and "timed out" in str(stalled.error)
    assert after.status is ZaloEventStatus.DONE and len(zalo.texts(FP)) == 1
