"""The sweep as the outbox relay: what it picks up, when, and what it leaves alone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from notifier.delivery import Deliverer, retry_backoff
from notifier.service import SWEEP_GRACE, sweep
from store.base import utcnow
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.fakes.smtp import FakeSMTP
from tests.notifier.world import World


def _age(world: World, row_id: int, by: timedelta, **values: object) -> None:
    with world.store.write() as session:
        session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(updated_at=utcnow() - by, **values)
        )


def test_backoff_curve() -> None:
    assert [retry_backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_backoff(30) == timedelta(hours=1)


async def test_relay_sends_new_rows_at_once(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    assert not SWEEP_GRACE  # the relay: nothing waits for a grace period
    wid, step = world.queue()
    assert await sweep(deliverer) == 1
    assert world.row(wid, step, Channel.EMAIL).status is OutboxStatus.SENT
    assert await sweep(deliverer) == 0  # sent rows are never picked up again
    assert len(smtp.to("a@thu.example")) == 1


async def test_transient_failure_waits_its_backoff_then_is_retried(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    wid, step = world.queue()
    smtp.fail("421", times=1, delay=0.0)
    assert await sweep(deliverer) == 0
    row = world.row(wid, step, Channel.EMAIL)
    assert row.status is OutboxStatus.PENDING and row.last_error
    assert await sweep(deliverer) == 0  # still inside its backoff: not hammered
    _age(world, row.id, retry_backoff(row.attempts) + timedelta(seconds=1))
    assert await sweep(deliverer) == 1
    assert world.row(wid, step, Channel.EMAIL).status is OutboxStatus.SENT
    assert len(smtp.to("a@thu.example")) == 1


async def test_a_row_left_sending_by_a_crash_is_reclaimed_after_its_lease(
    world: World, deliverer: Deliverer, smtp: FakeSMTP
) -> None:
    wid, step = world.queue()
    row = world.row(wid, step, Channel.EMAIL)
    _age(world, row.id, timedelta(seconds=10), status=OutboxStatus.SENDING, attempts=1)
    assert await sweep(deliverer) == 0  # another process may still be sending it
    _age(world, row.id, deliverer.lease + timedelta(seconds=1))
    assert await sweep(deliverer) == 1
    [mail] = smtp.to("a@thu.example")
    again = world.row(wid, step, Channel.EMAIL)
    assert again.status is OutboxStatus.SENT and again.message_id == mail["Message-ID"]
