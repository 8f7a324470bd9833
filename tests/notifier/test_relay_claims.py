"""Several relays on one outbox: a claim belongs to the relay that made it, for as long
as that relay lives, and only its owner records what became of the send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest

from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.relay import sweep
from store.enums import Channel, OutboxStatus
from tests.fakes.smtp import FakeSMTP
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World

LEASE = timedelta(seconds=1)


@pytest.fixture
async def relays(world: World) -> AsyncIterator[list[Deliverer]]:
    """Two relays on the world's store, each with its own SMTP connections."""
    settings = replace(world.settings, smtp=replace(world.settings.smtp, timeout=10.0))
    registries = [Registry([EmailChannel(settings.smtp)]) for _ in range(2)]
    try:
        yield [Deliverer(world.store, r, settings, lease=LEASE) for r in registries]
    finally:
        for registry in registries:
            await registry.aclose()


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_a_send_slower_than_the_lease_is_not_taken_by_another_relay(
    world: World, relays: list[Deliverer], smtp: FakeSMTP
) -> None:
    first, second = relays
    wid, step = world.queue(recipients=["fp-a"])
    smtp.fail("slow", delay=3 * LEASE.total_seconds())
    slow = asyncio.create_task(sweep(first))
    for _ in range(5):  # the other relay sweeps while the first one's send hangs
        await asyncio.sleep(LEASE.total_seconds() / 2)
        assert await sweep(second) == 0
    assert await slow == 1
    row = world.row(wid, step, Channel.EMAIL)
    assert len(smtp.messages) == 1
    assert row.status is OutboxStatus.SENT
    assert row.message_id == smtp.messages[0]["Message-ID"]
    assert row.attempts == 1
