"""Several `hanchot notify` processes on one PostgreSQL store (issue 20): they share the
outbox without sending a row twice, each takes a share, and together they keep to
Telegram's limits.

- *email*: one relay empties a burst, then two relays empty another burst of the same
  size into the same counting SMTP server; every message arrives once, none is lost,
  each relay sent a share (by the claim each row was sent under), every row took one
  attempt. The times are printed beside each other, not asserted (two cores shared with
  the SMTP server, PostgreSQL and the test itself: see bench/scale.py).
- *Telegram*: two relays on one bot through the fake Bot API, which enforces Telegram's
  limits exactly (30 in any second per bot, one a second per chat): 1,000 messages to 100
  chats, more than one relay holds at once; no 429, every message once (the shares are
  printed: a relay keeps the chats it holds, so one may send them all).

HANCHOT_FAULT_BURST sets the email burst (default the issue's 2,000).
"""

from __future__ import annotations

import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack

import pytest
import sqlalchemy as sa

from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.faults.chats import add_chats, queue_rounds
from tests.faults.conftest import (
    CountingSMTP,
    NotifyProcess,
    TimedTelegram,
    notify_env,
    queue_burst,
    wait_until,
)
from tests.notifier.world import World
from tests.workflows.support import dev_server

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

BURST = int(os.environ.get("HANCHOT_FAULT_BURST") or 2000)
SECONDS_PER_MESSAGE = 0.12
"""A generous bound on one relay's pace here (see test_notifier_killed)."""
CHATS, ROUNDS = 100, 10
TELEGRAM_ROWS = CHATS * ROUNDS
"""More than one relay holds at once (`notifier.relay.AHEAD_SECONDS`)."""
TIME_BOUND = 240 + int(2 * BURST * SECONDS_PER_MESSAGE)
READY = "hanchot notify đang chạy"


@pytest.fixture
def telegram() -> Iterator[TimedTelegram]:
    server = TimedTelegram().start()
    try:
        yield server
    finally:
        server.stop()


def _sent(world: World, channel: Channel, prefix: str) -> int:
    with world.store.read() as session:
        return int(
            session.scalar(
                sa.select(sa.func.count()).where(
                    OutboxMessage.channel == channel,
                    OutboxMessage.status == OutboxStatus.SENT,
                    OutboxMessage.step.startswith(f"remind:{prefix}-"),
                )
            )
            or 0
        )


def _shares(world: World, prefix: str) -> tuple[Counter[int], Counter[int]]:
    """Rows sent per relay process (the pid in the claim they were sent under), and
    rows per number of attempts."""
    with world.store.read() as session:
        rows = session.execute(
            sa.select(OutboxMessage.claimed_by, OutboxMessage.attempts).where(
                OutboxMessage.step.startswith(f"remind:{prefix}-")
            )
        ).all()
    pids = Counter(int(str(claim).split(":")[1]) for claim, _ in rows if claim)
    return pids, Counter(attempts for _, attempts in rows)


async def _relays(
    world: World, env: dict[str, str], n: int, stack: ExitStack, name: str
) -> list[NotifyProcess]:
    relays = [NotifyProcess(env, world.tmp / f"{name}-{i}.log") for i in range(n)]
    for relay in relays:
        stack.callback(relay.stop)
    for relay in relays:
        await wait_until(
            lambda r=relay: READY in r.log.read_text(errors="replace"),  # type: ignore[misc]
            f"{relay.log.name} ready",
            timeout=60,
        )
    return relays


async def _burst(
    world: World, env: dict[str, str], n: int, prefix: str, smtp: CountingSMTP
) -> tuple[float, Counter[int], Counter[int]]:
    with ExitStack() as stack:
        relays = await _relays(world, env, n, stack, prefix)
        queue_burst(world, BURST, prefix)
        took = await wait_until(
            lambda: _sent(world, Channel.EMAIL, prefix) == BURST,
            f"{n} relay(s) sending {BURST}",
            timeout=60 + BURST * SECONDS_PER_MESSAGE,
        )
        assert all(r.alive() for r in relays), [r.tail() for r in relays]
        pids, attempts = _shares(world, prefix)
        assert set(pids) <= {r.pid for r in relays}
    return took, pids, attempts


async def test_two_relays_share_one_burst_of_email(
    pg_world: World, counting_smtp: CountingSMTP
) -> None:
    world, smtp = pg_world, counting_smtp
    async with dev_server() as temporal:
        env = notify_env(
            world,
            temporal.client.service_client.config.target_host,
            f"faults-{uuid.uuid4().hex[:8]}",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp.port),
            SMTP_TIMEOUT="10",
            HANCHOT_SWEEP_SECONDS="1",
        )
        one, one_share, _ = await _burst(world, env, 1, "alone", smtp)
        two, shares, attempts = await _burst(world, env, 2, "shared", smtp)

    received = smtp.message_ids()
    duplicates = sum(n - 1 for n in received.values())
    recorded = {
        mid
        for (mid,) in world.store.read().execute(
            sa.select(OutboxMessage.message_id).where(OutboxMessage.status == OutboxStatus.SENT)
        )
    }
    lost = recorded - set(received)
    print(
        f"\n[two relays, one email burst, PostgreSQL] one relay: {BURST} in {one:.1f}s "
        f"({BURST / one:.0f} msg/s) | two relays: {BURST} in {two:.1f}s "
        f"({BURST / two:.0f} msg/s, {one / two:.2f}x), shares {sorted(shares.values())} | "
        f"received={sum(received.values())} distinct={len(received)} "
        f"duplicates={duplicates} lost={len(lost)} attempts {dict(attempts)}"
    )
    assert sum(one_share.values()) == BURST
    assert len(received) == len(recorded) == 2 * BURST
    assert duplicates == 0 and not lost
    assert len(shares) == 2 and all(shares.values())  # both took a share
    assert sum(shares.values()) == BURST
    assert attempts == Counter({1: BURST})  # no row claimed twice


async def test_two_relays_on_one_bot_keep_its_limits(
    pg_world: World, telegram: TimedTelegram, counting_smtp: CountingSMTP
) -> None:
    world = pg_world
    people = add_chats(world, CHATS)
    async with dev_server() as temporal:
        env = notify_env(
            world,
            temporal.client.service_client.config.target_host,
            f"faults-{uuid.uuid4().hex[:8]}",
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(counting_smtp.port),
            TELEGRAM_BOT_TOKEN=telegram.token,
            TELEGRAM_API_BASE_URL=telegram.base,
            HANCHOT_SWEEP_SECONDS="1",
        )
        with ExitStack() as stack:
            relays = await _relays(world, env, 2, stack, "telegram")
            started = time.monotonic()
            assert queue_rounds(world, ROUNDS, people, "tg") == TELEGRAM_ROWS
            await wait_until(
                lambda: _sent(world, Channel.TELEGRAM, "tg") == TELEGRAM_ROWS,
                "every Telegram row sent",
                timeout=TELEGRAM_ROWS / 10 + 60,
            )
            took = time.monotonic() - started
            assert all(r.alive() for r in relays), [r.tail() for r in relays]
    shares, attempts = _shares(world, "tg")
    delivered = Counter((str(m["chat_id"]), m["text"]) for m in telegram.sent)
    answers = Counter(status for _, status, _ in telegram.answers_log)
    chats = {str(m["chat_id"]) for m in telegram.sent}
    print(
        f"\n[two relays, one bot, PostgreSQL] {TELEGRAM_ROWS} messages to "
        f"{len(chats)} chats in {took:.1f}s ({TELEGRAM_ROWS / took:.1f} msg/s; the bot's "
        f"limit allows 30) | shares {sorted(shares.values())} | "
        f"API answers {dict(answers)}, 429 for the limits={telegram.rate_limited} | "
        f"duplicates={sum(n - 1 for n in delivered.values())}"
    )
    # The relays keep to the limits together: a 429 is rare, and costs a wait, never a
    # message. It is not always none: a slot is taken before the send leaves, and on a
    # loaded machine (CI: everything on two cores) one send may leave late and the next
    # on time, so two reach one chat closer than its second. Each is retried in place.
    assert telegram.rate_limited <= TELEGRAM_ROWS // 100, telegram.rate_limited
    assert answers[200] == TELEGRAM_ROWS and set(answers) <= {200, 429}
    assert len(delivered) == TELEGRAM_ROWS and sum(delivered.values()) == TELEGRAM_ROWS
    assert attempts == Counter({1: TELEGRAM_ROWS})
    # Who sends is not asserted: a relay holding a chat keeps it (order, its second), so
    # one relay may hold all 100 chats until the burst is out (bench/RESULTS.md, scale).
    assert set(shares) <= {r.pid for r in relays}
