"""The Telegram Bot API answering 429 and 502 in bursts during a burst of reminders: the
outbox relay (`notifier_service` with its sweep) delivers every one exactly once, and
after a 429 nothing is sent to the bot before its `retry_after` has passed.

The relay's own backoff for a failed row (30 s, then 1 min, ...) is real; the test moves
the failed rows' last attempt back by their backoff instead of waiting for it, while the
notifier's pacer, which holds the bot after a 429, runs on the real clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import pytest
import sqlalchemy as sa

from notifier.service import notifier_service
from notifier.settings import Secret
from notifier.telegram.transport import TelegramChannel
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.faults.conftest import (
    BURST_RECIPIENTS,
    CountingSMTP,
    TimedTelegram,
    age_failed_rows,
    queue_burst,
    wait_until,
)
from tests.notifier.world import World

pytestmark = pytest.mark.integration

BURST = 100
PEOPLE = BURST_RECIPIENTS
FAULTS = [
    # (after this many delivered, kind, times, retry_after)
    (10, "429", 3, 2),
    (35, "5xx", 6, 0),
    (60, "429", 2, 3),
    (80, "5xx", 4, 0),
]


@pytest.fixture
def telegram() -> Iterator[TimedTelegram]:
    server = TimedTelegram().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp() -> Iterator[CountingSMTP]:
    server = CountingSMTP().start()
    try:
        yield server
    finally:
        server.stop()


def telegram_only(world: World) -> None:
    """Every burst recipient reachable on Telegram only, each on a chat of their own."""
    for n, key in enumerate(PEOPLE):
        world.edit_person(key, email=None, telegram=f"@nguoi_{n}")
        world.link_telegram(key, str(7000 + n))


def telegram_statuses(world: World) -> Counter[str]:
    with world.store.read() as session:
        rows = session.execute(
            sa.select(OutboxMessage.status, sa.func.count())
            .where(OutboxMessage.channel == Channel.TELEGRAM)
            .group_by(OutboxMessage.status)
        ).all()
    return Counter({status.value: n for status, n in rows})


async def inject(telegram: TimedTelegram) -> list[str]:
    done = []
    for after, kind, times, retry_after in FAULTS:
        while len(telegram.sent) < after:
            await asyncio.sleep(0.02)
        if kind == "429":
            telegram.fail("429", method="sendMessage", times=times, retry_after=retry_after)
        else:
            telegram.fail(kind, method="sendMessage", times=times)
        done.append(f"{kind}×{times} after {after}")
    return done


async def test_429_and_5xx_bursts_everything_delivered_retry_after_honoured(
    world: World, telegram: TimedTelegram, smtp: CountingSMTP, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One message per row, to count them: a person's reminders are not merged here
    # (merging is tested in tests/notifier/test_relay_lanes.py).
    monkeypatch.setattr(TelegramChannel, "merge_same_kind", False)
    started = time.monotonic()
    telegram_only(world)
    queue_burst(world, BURST)
    assert telegram_statuses(world)["pending"] == BURST
    settings = replace(
        world.settings,
        smtp=replace(world.settings.smtp, host="127.0.0.1", port=smtp.port),
        telegram=replace(
            world.settings.telegram, token=Secret(telegram.token), api_base_url=telegram.base
        ),
        sweep_seconds=1,
    )
    injector = asyncio.create_task(inject(telegram))
    aged: set[int] = set()
    try:
        async with notifier_service(None, world.store, settings):  # type: ignore[arg-type]

            def all_sent() -> bool:
                aged.update(age_failed_rows(world))  # the relay's backoff, without the wait
                return telegram_statuses(world)["sent"] == BURST

            await wait_until(all_sent, "every Telegram row sent", timeout=50, step=0.5)
        injected = await asyncio.wait_for(injector, 1)
    finally:
        injector.cancel()
        with contextlib.suppress(BaseException):
            await injector

    with world.store.read() as session:
        rows = session.execute(
            sa.select(OutboxMessage.status, OutboxMessage.attempts).where(
                OutboxMessage.channel == Channel.TELEGRAM
            )
        ).all()
    delivered = Counter((str(m["chat_id"]), m["text"]) for m in telegram.sent)
    duplicates = sum(n - 1 for n in delivered.values())
    answers = Counter(status for _, status, _ in telegram.answers_log)
    early = telegram.early_calls()
    retried = sum(1 for _, attempts in rows if attempts > 1)
    extra_attempts = sum(attempts - 1 for _, attempts in rows)
    elapsed = time.monotonic() - started
    print(
        f"\n[Telegram 429/5xx bursts] queued={BURST} injected: {', '.join(injected)} | "
        f"API answers {dict(answers)}; pacing 429s={telegram.rate_limited}; "
        f"rows retried={retried} ({extra_attempts} extra attempts), "
        f"aged past backoff={len(aged)} | sent={len(rows)} "
        f"received={sum(delivered.values())} duplicates={duplicates} "
        f"lost={BURST - len(delivered)} | sends before retry_after had passed={len(early)} "
        f"| {elapsed:.1f}s"
    )
    assert all(status is OutboxStatus.SENT for status, _ in rows) and len(rows) == BURST
    assert len(delivered) == BURST and duplicates == 0
    expected_429 = sum(times for _, kind, times, _ in FAULTS if kind == "429")
    expected_5xx = sum(times for _, kind, times, _ in FAULTS if kind == "5xx")
    assert answers[429] == expected_429 + telegram.rate_limited
    assert answers[502] == expected_5xx
    # Every 5xx cost its row exactly one more attempt; a 429 cost none (the bot waited
    # and sent the row again, without the row's backoff), and nothing else did.
    assert extra_attempts == expected_5xx
    assert not early, early
