"""Pacing: the token buckets on a fake clock, and bursts against the fake Bot API server,
which answers 429 to anything faster than Telegram allows."""

from __future__ import annotations

import asyncio
import itertools

from notifier.base import Outgoing, TransportError
from notifier.email.transport import EmailChannel
from notifier.pacing import Pacer
from notifier.telegram.transport import TelegramChannel
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_one_message_per_second_per_chat_and_thirty_per_second_in_all() -> None:
    clock = Clock()
    pacer = Pacer(30, 1, clock=clock)
    start = clock.now
    moments = [pacer.delay("chat-a") for _ in range(3)]
    others = [pacer.delay(f"chat-{i}") for i in range(30)]
    sends = sorted([*moments, *others])
    # Any two sends at least 1/30 s apart; one chat's at least 1 s apart.
    assert all(b - a >= 1 / 30 - 1e-9 for a, b in itertools.pairwise(sends))
    assert all(b - a >= 1 - 1e-9 for a, b in itertools.pairwise(moments))
    # A chat waiting for its second does not hold the others back.
    assert max(others) < moments[-1]
    assert clock.now == start


def test_a_hold_from_retry_after_stops_the_chat_or_everyone() -> None:
    clock = Clock()
    pacer = Pacer(30, 1, clock=clock)
    pacer.hold(3.0, key="slow-chat")
    assert pacer.delay("slow-chat") >= 3.0
    assert pacer.delay("other-chat") < 1.0
    pacer.hold(5.0)
    assert pacer.delay("any") >= 5.0
    clock.now += 60
    assert pacer.delay("any") < 1 / 30 + 1e-9


async def test_a_burst_stays_within_telegrams_limits(world: World, telegram: FakeTelegram) -> None:
    channel = TelegramChannel(world.settings.telegram)
    try:
        many = [Outgoing(str(5000 + i), "", f"tin {i}") for i in range(40)]
        same = [Outgoing("4242", "", f"nhắc {i}") for i in range(3)]
        await asyncio.gather(*(channel.send(m) for m in [*many, *same]))
    finally:
        await channel.aclose()
    assert telegram.rate_limited == 0
    assert len(telegram.sent) == 43
    assert telegram.texts("4242") == ["nhắc 0", "nhắc 1", "nhắc 2"]


async def test_the_fake_server_catches_an_unpaced_burst(
    world: World, telegram: FakeTelegram
) -> None:
    """The check above has teeth: without pacing the same burst is refused."""
    channel = TelegramChannel(world.settings.telegram, pacer=Pacer(0, 0))
    try:
        sends = [channel.send(Outgoing("4242", "", f"nhắc {i}")) for i in range(3)]
        results = await asyncio.gather(*sends, return_exceptions=True)
    finally:
        await channel.aclose()
    assert telegram.rate_limited >= 1
    assert any(isinstance(r, TransportError) and r.retry_after for r in results)


async def test_a_burst_of_email_reuses_connections(world: World, smtp: FakeSMTP) -> None:
    from dataclasses import replace

    settings = replace(world.settings.smtp, host="127.0.0.1", port=smtp.port, pool_size=2)
    channel = EmailChannel(settings)
    try:
        mails = [Outgoing(f"u{i}@thu.example", f"Thư {i}", "nội dung") for i in range(12)]
        await asyncio.gather(*(channel.send(m) for m in mails))
        opened = channel.connections_opened
    finally:
        await channel.aclose()
    assert len(smtp.messages) == 12
    assert opened <= 2 and smtp.connections <= 2
