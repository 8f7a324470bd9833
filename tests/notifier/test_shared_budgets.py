"""Pacers in several relays share Telegram's limits through the store: their sends, put
together, keep one chat to one a second and the bot to 30 in any second (here two pacers
in one process, each with its own idea of time, as two relays would have); a relay alone
asks the store nothing per send."""

from __future__ import annotations

import asyncio
import itertools
import time
from dataclasses import replace

import pytest
import sqlalchemy as sa

from notifier.pacing import Pacer, SharedBudgets
from notifier.service import build_registry
from notifier.settings import NotifierSettings
from notifier.telegram.transport import CHAT_RATE, GLOBAL_RATE
from store.enums import Channel
from store.models import RateBudget
from tests.notifier.conftest import BACKENDS
from tests.notifier.world import World

pytestmark = pytest.mark.parametrize("world", BACKENDS, indirect=True)


def relay_pacers(world: World, n: int = 2) -> list[Pacer]:
    return [
        Pacer(
            GLOBAL_RATE,
            CHAT_RATE,
            shared=SharedBudgets.of(world.store, "telegram:42", GLOBAL_RATE, 1.0, CHAT_RATE),
        )
        for _ in range(n)
    ]


async def _send(pacer: Pacer, key: str, log: list[float]) -> None:
    async with pacer.slot(key):
        log.append(time.time())


async def test_two_relays_sending_to_one_chat_keep_its_second(world: World) -> None:
    sent: list[float] = []
    await asyncio.gather(*(_send(p, "chat-1", sent) for p in relay_pacers(world) for _ in range(3)))
    sent.sort()
    gaps = [b - a for a, b in itertools.pairwise(sent)]
    print(f"\n[one chat, two relays] gaps {[round(g, 3) for g in gaps]}")
    assert len(sent) == 6
    assert min(gaps) >= 1 / CHAT_RATE  # alone, each relay would send its first at once


async def test_two_relays_keep_the_bot_within_its_second(world: World) -> None:
    sent: list[float] = []
    pacers = relay_pacers(world)
    await asyncio.gather(
        *(_send(p, f"chat-{i}-{n}", sent) for i, p in enumerate(pacers) for n in range(40))
    )
    sent.sort()
    window = 1.0
    worst = max(sum(1 for t in sent if start <= t < start + window) for start in sent)
    print(
        f"\n[80 chats, two relays] {len(sent)} sends in {sent[-1] - sent[0]:.2f}s, "
        f"at most {worst} in any second"
    )
    assert len(sent) == 80
    assert worst <= GLOBAL_RATE  # alone, each pacer would allow 30 of its own


async def test_a_relay_alone_paces_itself_and_only_says_it_is_sending(world: World) -> None:
    [alone] = relay_pacers(world, 1)
    sent: list[float] = []
    await asyncio.gather(*(_send(alone, f"chat-{n}", sent) for n in range(10)))
    with world.store.read() as session:
        rows = {r.key: list(r.slots) for r in session.scalars(sa.select(RateBudget))}
    assert len(sent) == 10
    assert rows == {f"telegram:42:relay:{alone.shared.instance}": []}  # type: ignore[union-attr]


def test_the_relays_channels_take_their_limits_from_the_settings(world: World) -> None:
    """What `hanchot notify` builds: Telegram's budgets named by the bot's id (never its
    token's secret), the SMTP server's only when SMTP_MAX_PER_MINUTE is set."""
    settings = NotifierSettings.from_env(
        {
            "HANCHOT_DATA_DIR": str(world.tmp),
            "SMTP_HOST": "mail.thu.example",
            "SMTP_PORT": "587",
            "SMTP_MAX_PER_MINUTE": "120",
            "TELEGRAM_BOT_TOKEN": "123456:secret-part",
        }
    )
    registry = build_registry(settings, world.store)
    email, telegram = registry.get(Channel.EMAIL), registry.get(Channel.TELEGRAM)
    assert email.pacer is not None and email.pacer.rate == 2.0  # type: ignore[attr-defined]
    shared = email.pacer.shared  # type: ignore[attr-defined]
    assert (shared.channel.key, shared.channel.window) == ("smtp:mail.thu.example:587", 60.05)
    bot = telegram.pacer.shared  # type: ignore[attr-defined]
    assert bot.channel.key == "telegram:123456" and "secret" not in str(vars(bot))
    assert bot.per_key("-1001").key == "telegram:123456:to:-1001"
    unlimited = build_registry(replace(settings, smtp=replace(settings.smtp, max_per_minute=0)))
    assert unlimited.get(Channel.EMAIL).pacer is None  # type: ignore[attr-defined]
