"""Two bots polling one Telegram bot (issue 20): only the holder of the lease polls, so
Telegram never sees two getUpdates at once and each update is answered once; when the
holder stops, the other takes over within a lease period. Webhook replicas share the
secret token derived from the deployment's secret."""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from notifier.leader import TELEGRAM_POLLING, Leader
from notifier.telegram.bot import HanchotBot
from notifier.telegram.polling import polling_while_leading
from notifier.tokens import webhook_secret
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World

LEASE = 3.0


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_two_bots_poll_one_at_a_time_and_hand_over(
    world: World, telegram: FakeTelegram
) -> None:
    apps = [HanchotBot(world.store, None, world.settings).application() for _ in range(2)]  # type: ignore[arg-type]
    leaders = [Leader(world.store, TELEGRAM_POLLING, LEASE, f"bot-{i}") for i in range(2)]
    async with contextlib.AsyncExitStack() as stack:
        for app in apps:
            await stack.enter_async_context(app)
            await app.start()
            stack.push_async_callback(app.stop)
        bots = [
            polling_while_leading(app, world.store, LEASE, leader)
            for app, leader in zip(apps, leaders, strict=True)
        ]
        both: list[float] = []
        watch = asyncio.create_task(watch_both(apps, both))
        stack.callback(watch.cancel)
        for bot in bots:
            await bot.__aenter__()
            await asyncio.sleep(0.2)
        for chat in range(5):
            telegram.push(telegram.message(9100 + chat, "/start"))
        await wait_for(lambda: all(telegram.texts(9100 + c) for c in range(5)), 10)
        first = next(i for i, leader in enumerate(leaders) if leader.held)
        running = [bool(app.updater and app.updater.running) for app in apps]
        assert running == [i == first for i in range(2)]

        await bots[first].__aexit__(None, None, None)  # a clean stop gives the lease up
        stopped = time.monotonic()
        telegram.push(telegram.message(9200, "/start"))
        await wait_for(lambda: bool(telegram.texts(9200)), LEASE + 5)
        took = time.monotonic() - stopped
        await bots[1 - first].__aexit__(None, None, None)
    answers = [len(telegram.texts(9100 + c)) for c in range(5)] + [len(telegram.texts(9200))]
    print(f"answers per update {answers}, both polling {len(both)} times, hand-over {took:.1f}s")
    assert answers == [1] * 6
    assert both == []
    assert leaders[1 - first].grant is None  # released at its own stop


def test_webhook_replicas_share_one_secret_token() -> None:
    assert webhook_secret("bi-mat") == webhook_secret("bi-mat") != webhook_secret("khac")
    token = webhook_secret("bi-mat")
    assert 1 <= len(token) <= 256 and token.replace("-", "").replace("_", "").isalnum()


async def watch_both(apps: list, both: list[float]) -> None:  # type: ignore[type-arg]
    """Notes each moment both bots' updaters were polling."""
    while True:
        if all(app.updater is not None and app.updater.running for app in apps):
            both.append(time.monotonic())
        await asyncio.sleep(0.01)


async def wait_for(check: object, bound: float) -> None:
    started = time.monotonic()
    while not check():  # type: ignore[operator]
        assert time.monotonic() - started < bound, f"not within {bound}s"
        await asyncio.sleep(0.05)
