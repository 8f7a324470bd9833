"""Extension days typed to the bot are held to deadlines.bounds where they enter (issue 12):
out of range is answered in Vietnamese at once, the question stays open, and a number of
more digits than the pattern reads is not cut to a smaller one."""

from __future__ import annotations

import pytest

from notifier.telegram.keyboard import Action, encode
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.engine import bot_app, feed, running
from tests.notifier.world import World

FP_A = 1001


@pytest.mark.parametrize("answer", ["0 chờ số liệu", "91 chờ số liệu", "1000 chờ số liệu"])
async def test_extension_days_out_of_range_are_refused_and_asked_again(
    world: World, telegram: FakeTelegram, answer: str
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        extend = encode(world.settings.secret, Action.EXTEND, world.deadline_id())
        await feed(app, telegram.callback(FP_A, extend))
        await feed(app, telegram.message(FP_A, answer))
        refused = telegram.texts(FP_A)[-1]
        assert (await engine.state()).extensions == []
        await feed(app, telegram.message(FP_A, "5 chờ số liệu"))  # the same question
        [requested] = (await engine.state()).extensions
    assert refused.startswith("Số ngày gia hạn phải từ 1 đến 90.")
    assert (requested.days, requested.reason) == (5, "chờ số liệu")
