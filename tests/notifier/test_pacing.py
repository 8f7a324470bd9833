"""Pacing: the token buckets on a fake clock, and bursts against the fake Bot API server,
which answers 429 to anything faster than Telegram allows."""

from __future__ import annotations

import asyncio
import itertools

from notifier.base import Outgoing, TransportError
from notifier.delivery import Deliverer
from notifier.email.transport import EmailChannel
from notifier.pacing import Pacer
from notifier.service import sweep
from notifier.telegram.transport import TelegramChannel
from store.enums import Channel, OutboxStatus
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World


class Clock:
    """Virtual time: sleeping moves it on at once."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


async def sent_at(pacer: Pacer, clock: Clock, key: str) -> tuple[str, float]:
    await pacer.wait(key)
    return key, clock.now


async def test_thirty_in_any_second_with_a_margin_and_one_per_second_per_chat() -> None:
    clock = Clock()
    pacer = Pacer(30, 1, clock=clock, sleep=clock.sleep)
    keys = ["chat-a"] * 3 + [f"chat-{i}" for i in range(60)]
    sends = await asyncio.gather(*(sent_at(pacer, clock, k) for k in keys))
    moments = sorted(at for _, at in sends)
    mine = [at for key, at in sends if key == "chat-a"]
    others = [at for key, at in sends if key != "chat-a"]
    # No 31 sends within a second (each answered at once here); one chat's more than
    # a second apart.
    assert all(b - a > 1 for a, b in zip(moments, moments[30:], strict=False))
    assert all(b - a >= 1 + pacer.key_margin - 1e-9 for a, b in itertools.pairwise(mine))
    # A chat waiting for its second does not hold the others back.
    assert sorted(others)[30] < mine[-1]


async def test_without_spacing_a_burst_goes_at_once_within_the_sliding_second() -> None:
    clock = Clock()
    pacer = Pacer(30, 1, clock=clock, sleep=clock.sleep, spacing=0.0)
    start = clock.now
    sends = await asyncio.gather(*(sent_at(pacer, clock, f"chat-{i}") for i in range(31)))
    moments = sorted(at for _, at in sends)
    assert moments[29] == start  # thirty answers at once: the bot's crowd of presses
    assert moments[30] > start + 1  # the 31st waits for the second


async def test_a_hold_from_retry_after_stops_the_chat_or_everyone() -> None:
    clock = Clock()
    pacer = Pacer(30, 1, clock=clock, sleep=clock.sleep)
    pacer.hold(3.0, key="slow-chat")
    start = clock.now
    await pacer.wait("other-chat")
    assert clock.now - start < 1.0
    await pacer.wait("slow-chat")
    assert clock.now - start >= 3.0
    pacer.hold(5.0)
    start = clock.now
    await pacer.wait("any")
    assert clock.now - start >= 5.0


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
    """The check above has teeth: without pacing the same burst is refused (and each
    429 is waited out by the channel, so every message still goes, in the end)."""
    channel = TelegramChannel(world.settings.telegram, pacer=Pacer(0, 0))
    try:
        sends = [channel.send(Outgoing("4242", "", f"nhắc {i}")) for i in range(3)]
        results = await asyncio.gather(*sends, return_exceptions=True)
    finally:
        await channel.aclose()
    assert telegram.rate_limited >= 1
    assert not [r for r in results if isinstance(r, TransportError)]
    assert sorted(telegram.texts("4242")) == ["nhắc 0", "nhắc 1", "nhắc 2"]


async def test_a_429_is_waited_out_by_the_bot_not_by_the_rows_backoff(
    world: World, telegram: FakeTelegram, deliverer: Deliverer
) -> None:
    world.link_telegram("fp-a", "4242")
    first = world.queue(step="remind:-3d")
    telegram.fail("429", method="sendMessage", times=1, retry_after=1)
    await sweep(deliverer)  # sent after the pause, in the same sweep
    assert world.row(*first, Channel.TELEGRAM).status is OutboxStatus.SENT
    second = world.queue(step="remind:-1d")
    telegram.fail("429", method="sendMessage", times=10, retry_after=1)
    await sweep(deliverer)  # Telegram still busy after every retry...
    row = world.row(*second, Channel.TELEGRAM)
    assert row.status is OutboxStatus.PENDING and row.attempts == 0 and not row.last_error
    telegram.heal()
    await sweep(deliverer)  # ...so the next sweep sends it: no 30 s backoff
    assert world.row(*second, Channel.TELEGRAM).status is OutboxStatus.SENT
    assert len(telegram.texts("4242")) == 2


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


async def test_a_slow_answer_moves_the_send_a_second_later() -> None:
    """The limits are counted from each send's answer: a request that took long to reach
    the provider cannot have its successor arrive inside its second."""
    clock = Clock()
    pacer = Pacer(2, 1, clock=clock, sleep=clock.sleep, spacing=0.0)
    async with pacer.slot("chat-a"):
        clock.now += 0.4  # a slow request: it may have arrived just now
    answered = clock.now
    await pacer.wait("chat-b")
    second = clock.now
    await pacer.wait("chat-a")
    assert clock.now >= answered + 1  # one second after the answer, not the release
    await pacer.wait("chat-c")  # the third send: two already within the window
    assert clock.now >= answered + 1 and clock.now >= second
