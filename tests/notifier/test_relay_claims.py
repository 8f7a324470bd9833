"""Several relays on one outbox: a claim belongs to the relay that made it, for as long
as that relay lives, and only its owner records what became of the send."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from notifier.base import Sent
from notifier.compose import Row
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.registry import Registry
from notifier.relay import sweep
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
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


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_only_the_claim_that_holds_a_row_records_its_send(
    world: World, relays: list[Deliverer], smtp: FakeSMTP
) -> None:
    """A relay that could not renew (hung, cut from its database) loses the row to another
    relay; when its send finally returns, it writes nothing over the new holder's."""
    first, second = relays
    wid, step = world.queue(recipients=["fp-a"])
    row_id = world.row(wid, step, Channel.EMAIL).id
    stale = await first.db(first._claim, row_id, "relay-1/1")
    assert isinstance(stale, Row)
    _lease_runs_out(world, row_id)
    fresh = await second.db(second._claim, row_id, "relay-2/1")
    assert isinstance(fresh, Row) and fresh.attempts == 2

    late = await first.db(first._record_sent, stale, Sent("<late@relay-1>"))
    assert late.status == "sent"  # it did go out; the row is not its to record
    row = world.row(wid, step, Channel.EMAIL)
    assert (row.status, row.claimed_by, row.message_id) == (
        OutboxStatus.SENDING,
        "relay-2/1",
        None,
    )
    await second.db(second._record_sent, fresh, Sent("<on-time@relay-2>"))
    row = world.row(wid, step, Channel.EMAIL)
    assert (row.status, row.message_id) == (OutboxStatus.SENT, "<on-time@relay-2>")


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_relays_sweeping_together_split_the_rows_and_send_each_once(
    world: World, relays: list[Deliverer], smtp: FakeSMTP
) -> None:
    """A relay holds only what its lanes send next (email: one lane at a time), so a
    second relay sweeping at the same moment finds rows of its own."""
    for n in range(60):
        world.queue(step=f"remind:-{n}d", recipients=["fp-a", "fp-b"])
    sent = await asyncio.gather(sweep(relays[0]), sweep(relays[1]))
    print(f"\n[two relays, one sweep each] sent {sent}")
    assert sum(sent) == 120 and all(sent)
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 120
    emails = world.rows(channel=Channel.EMAIL)
    assert len(emails) == 120
    assert {(r.status, r.attempts) for r in emails} == {(OutboxStatus.SENT, 1)}


def _lease_runs_out(world: World, row_id: int) -> None:
    with world.store.write() as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(lease_until=utcnow() - timedelta(seconds=1))
        )


class _StoreGoesDown(Deliverer):
    """A relay whose store stops answering right after its first send left, and answers
    again `down_for` seconds later: every store call meanwhile fails as a dead
    PostgreSQL's would."""

    down_for = 4 * 0.5  # several of the sweep's refills (`relay.REFILL_SECONDS`)
    _back_at: float | None = None

    async def db(self, fn, *args):  # type: ignore[no-untyped-def]
        if self._back_at is not None and time.monotonic() < self._back_at:
            raise sa.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))
        return await super().db(fn, *args)

    def _record_sent(self, row, sent):  # type: ignore[no-untyped-def]
        if self._back_at is None:
            self._back_at = time.monotonic() + self.down_for
            raise sa.exc.OperationalError("UPDATE outbox", {}, ConnectionRefusedError("refused"))
        return super()._record_sent(row, sent)


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_a_sweep_failing_while_a_send_waits_for_its_record_keeps_the_claim(
    world: World, smtp: FakeSMTP
) -> None:
    """The store goes down just after a message left: the send's record is retried, and
    the sweep's next refill fails meanwhile. The sweep must not close the claim the
    record waits on (the row would be taken again once its lease ran out and sent a
    second time): it ends only once the send is recorded."""
    registry = Registry([EmailChannel(world.settings.smtp)])
    relay = _StoreGoesDown(world.store, registry, world.settings, lease=LEASE)
    try:
        for n in range(3):
            world.queue(step=f"remind:-{n}d", recipients=["fp-a"])
        with pytest.raises(sa.exc.OperationalError):
            await sweep(relay)
        await asyncio.sleep(2 * LEASE.total_seconds())  # any lease left behind runs out
        while await sweep(relay):
            pass
    finally:
        await registry.aclose()
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == len(set(ids)) == 3, ids
    emails = world.rows(channel=Channel.EMAIL)
    assert {(r.status, r.attempts) for r in emails} == {(OutboxStatus.SENT, 1)}
