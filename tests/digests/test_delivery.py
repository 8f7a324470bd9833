"""A digest from the activity to the supervisor's mailbox and Telegram chat, through the
outbox and the notifier's delivery (real SMTP server, fake Bot API)."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from activities import contracts as act
from activities.digests import DigestActivities
from boundary.types import DigestTarget
from notifier.delivery import Deliverer
from store.enums import Channel, OutboxStatus
from tests.digests.seed import AS_OF, CAL, YEAR, seed
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.world import World

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


async def test_the_digest_reaches_email_with_the_xlsx_and_telegram(
    world: World, deliverer: Deliverer, smtp: FakeSMTP, telegram: FakeTelegram
) -> None:
    seed(world.store, world.tmp)
    world.edit_person("boss", telegram="@boss")
    world.link_telegram("boss", "2002")
    day = f"{YEAR}-06-20"
    target = DigestTarget(CAL, "boss", day, "daily")
    outcome = DigestActivities(world.store)._build(act.DigestInput(target, AS_OF))
    assert (outcome.overdue, outcome.queued) == (1, 2)
    wid, step = f"digest/{CAL}/boss", f"digest:daily:{day}"

    outcomes = await deliverer.deliver_step(wid, step)

    assert [o.status for o in outcomes] == ["sent", "sent"]
    assert world.row(wid, step, Channel.EMAIL).status is OutboxStatus.SENT
    [mail] = smtp.to("boss@thu.example")
    assert mail["Subject"].startswith(f"Tổng hợp ngày 20/06/{YEAR}: 1 đơn vị quá hạn")
    html = mail.get_body(("html",)).get_content()
    assert "<td>Sở Y tế</td>" in html
    [sheet] = [p for p in mail.iter_attachments() if p.get_content_type() == XLSX]
    book = load_workbook(io.BytesIO(sheet.get_payload(decode=True)))
    assert book["Quá hạn"]["C2"].value == "Sở Y tế"
    [sent] = telegram.sent
    assert sent["chat_id"] == "2002"
    assert "Sở Y tế: 5 ngày, nhắc 3 lần" in sent["text"]
    assert "reply_markup" not in sent or not sent["reply_markup"]
