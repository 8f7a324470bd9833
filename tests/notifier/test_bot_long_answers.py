"""The bot's own answers never pass Telegram's limit: a /status longer than one message
comes in several, each accepted by Telegram's HTML rules (the fake Bot API checks them),
nothing of it lost. Before, Telegram refused the whole answer and the person got none."""

from __future__ import annotations

import copy

from store.models import Cycle, UnitDeadline
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import check
from tests.notifier.engine import bot_app, feed, running
from tests.notifier.world import World

FP_A = 1001
LONG = " ".join(f"<mục {i} & phụ lục>" for i in range(600))
"""An obligation name (as frozen in the cycle) that alone passes 4,096 characters."""


async def test_a_status_longer_than_one_message_arrives_in_several(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        with world.store.write() as session:
            deadline = session.query(UnitDeadline).one()
            cycle = session.get(Cycle, deadline.cycle_id)
            assert cycle is not None
            snapshot = copy.deepcopy(cycle.snapshot or {})
            snapshot.setdefault("cycle", {})["obligation_name"] = LONG
            cycle.snapshot = snapshot
        await feed(app, telegram.message(FP_A, "/status"))
    answers = telegram.texts(FP_A)
    assert len(answers) > 1 and all(check(a) is None for a in answers)
    joined = " ".join(answers)
    assert "&lt;mục 599 &amp; phụ lục&gt;" in joined and "Sở Y tế: hạn cuối" in joined
