"""A digest of 300 overdue units reaches the supervisor's Telegram chat whole: in as
many messages as it needs, each one accepted by Telegram's HTML rules (the fake Bot API
refuses what Telegram refuses), every unit in one of them, the row sent, not failed."""

from __future__ import annotations

import copy
import html

import sqlalchemy as sa

from activities import contracts as act
from activities.digests import DigestActivities
from boundary.types import DigestTarget
from notifier.delivery import Deliverer
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage
from tests.digests.seed import AS_OF, CAL, YEAR, seed
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_html import check
from tests.notifier.world import World

UNITS = 300


async def test_a_300_unit_digest_reaches_telegram_whole(
    world: World, deliverer: Deliverer, telegram: FakeTelegram
) -> None:
    seed(world.store, world.tmp)
    world.edit_person("boss", telegram="@boss")
    world.link_telegram("boss", "2002")
    day = f"{YEAR}-06-20"
    DigestActivities(world.store)._build(
        act.DigestInput(DigestTarget(CAL, "boss", day, "daily"), AS_OF)
    )
    wid, step = f"digest/{CAL}/boss", f"digest:daily:{day}"
    names = [f"Trạm Y tế xã số {i} <Đồi & Núi>" for i in range(UNITS)]
    with world.store.write() as session:  # the same digest over 300 overdue units
        row = session.scalars(
            sa.select(OutboxMessage).where(
                OutboxMessage.workflow_id == wid, OutboxMessage.channel == Channel.TELEGRAM
            )
        ).one()
        payload = copy.deepcopy(row.payload)
        [group] = payload["groups"]
        [unit] = group["units"]
        group["units"] = [{**unit, "unit_name": name} for name in names]
        row.payload = payload

    [outcome] = await deliverer.deliver_step(wid, step, channel="telegram")

    assert outcome.status == "sent"
    assert world.row(wid, step, Channel.TELEGRAM).status is OutboxStatus.SENT
    texts = telegram.texts("2002")
    assert len(texts) > 1
    assert all(check(t) is None for t in texts)
    joined = "\n".join(texts)
    assert all(f"• {html.escape(name)}: 5 ngày" in joined for name in names)
