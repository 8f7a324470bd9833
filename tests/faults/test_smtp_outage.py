"""The SMTP relay down for a while, then back: the outbox relay (`notifier_service` with
its sweep) keeps every reminder, does not hammer the dead server, and once the server is
back and each row's backoff has passed sends each one exactly once.

The backoff (30 s, then 1 min, ...) is real; the test moves the failed rows' last attempt
back by their backoff instead of waiting for it (`age_failed_rows`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from notifier.service import notifier_service
from store.models import OutboxMessage
from tests.faults.conftest import (
    OutageSMTP,
    age_failed_rows,
    queue_burst,
    sent_message_ids,
    statuses,
    wait_until,
)
from tests.notifier.world import World

pytestmark = pytest.mark.integration

BURST = 200
DOWN_AT = 60
DOWN_SECONDS = 4.0


@pytest.fixture
def smtp() -> Iterator[OutageSMTP]:
    server = OutageSMTP().start()
    yield server
    with contextlib.suppress(Exception):  # already stopped if the test failed while down
        server.stop()


async def test_smtp_down_then_back_every_reminder_once(world: World, smtp: OutageSMTP) -> None:
    started = time.monotonic()
    queue_burst(world, BURST)
    settings = replace(
        world.settings,
        smtp=replace(world.settings.smtp, host="127.0.0.1", port=smtp.port, timeout=5.0),
        sweep_seconds=1,
    )
    smtp.down_at = DOWN_AT
    async with notifier_service(None, world.store, settings):  # type: ignore[arg-type]
        await wait_until(smtp.went_down.is_set, "the outage", timeout=40)

        # Every row not yet sent is tried once against the dead port, then left alone.
        async def all_tried() -> bool:
            with world.store.read() as session:
                untried = session.scalar(
                    sa.select(sa.func.count()).where(
                        OutboxMessage.status != "sent", OutboxMessage.attempts == 0
                    )
                )
            return not untried

        await wait_until(all_tried, "every row tried during the outage", timeout=30)
        with world.store.read() as session:
            attempts_before = session.scalar(sa.select(sa.func.sum(OutboxMessage.attempts)))
        await asyncio.sleep(DOWN_SECONDS)  # several sweeps inside the backoff
        with world.store.read() as session:
            attempts_after = session.scalar(sa.select(sa.func.sum(OutboxMessage.attempts)))
            errors = set(
                session.scalars(
                    sa.select(OutboxMessage.last_error).where(OutboxMessage.status == "pending")
                )
            )
        during = statuses(world)
        smtp.up()
        aged = len(age_failed_rows(world))
        await wait_until(lambda: statuses(world)["sent"] == BURST, "every row sent", timeout=40)

    recorded = sent_message_ids(world)
    received = smtp.message_ids()
    duplicates = sum(n - 1 for n in received.values())
    lost = set(recorded.values()) - set(received)
    elapsed = time.monotonic() - started
    print(
        f"\n[SMTP outage] queued={BURST} down after {DOWN_AT} received "
        f"(outbox while down: {dict(during)}; attempts {attempts_before}→{attempts_after} "
        f"over {DOWN_SECONDS:.0f}s; {aged} rows past their backoff) | "
        f"sent={len(recorded)} received={sum(received.values())} "
        f"duplicates={duplicates} lost={(lost and len(lost)) or 0} | {elapsed:.1f}s"
    )
    assert during["pending"] == BURST - DOWN_AT and during["sent"] == DOWN_AT
    assert attempts_after == attempts_before  # no hammering inside the backoff
    assert all(e and ("421" in e or "Connect" in e or "refused" in e.lower()) for e in errors)
    assert len(recorded) == BURST and not lost
    assert duplicates == 0 and len(received) == BURST
    assert set(received) == set(recorded.values())
