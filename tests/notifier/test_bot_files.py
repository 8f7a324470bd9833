"""Documents sent to the bot: the size checked while the file streams in (a wrong
declared size does not get a whole file into memory), the type checked against the list
every channel shares (store.file_types)."""

from __future__ import annotations

from dataclasses import replace

from notifier.telegram.bot import HanchotBot
from store.enums import InboundOutcome
from store.models import Evidence, InboundMessage
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.engine import feed
from tests.notifier.world import World

FP_A = 1001
LIMIT = 1024 * 1024


async def send(world: World, update: dict[str, object]) -> HanchotBot:
    bot = HanchotBot(world.store, None, replace(world.settings, evidence_max_bytes=LIMIT))  # type: ignore[arg-type]
    async with bot.application() as app:
        await feed(app, update)
    return bot


def refusals(world: World) -> list[str]:
    with world.store.read() as session:
        rows = session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).all()
        return [r.reason or "" for r in rows]


async def test_a_file_lying_about_its_size_is_refused_while_it_streams(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    content = b"%PDF-1.7\n" + b"0" * (20 * LIMIT)
    await send(world, telegram.document(FP_A, content, "bao-cao.pdf", size=1000))
    assert "Tệp quá lớn" in telegram.texts(FP_A)[-1]
    assert telegram.served < len(content) // 2  # stopped early, not fetched whole
    assert not (world.tmp / "evidence").exists()
    assert len(refusals(world)) == 1


async def test_files_of_a_kind_no_channel_takes_are_refused(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    page = b"<html><script>alert(1)</script></html>" * 10
    await send(world, telegram.document(FP_A, page, "bao-cao.pdf"))
    await send(world, telegram.document(FP_A, b"MZ\x90\x00" * 100, "bao-cao.exe"))
    first, second = telegram.texts(FP_A)
    assert "Không nhận tệp" in first and "không phải PDF" in first
    assert "Không nhận tệp" in second and "không nhận tệp loại này" in second
    assert not (world.tmp / "evidence").exists()
    assert all(r.startswith("file type") for r in refusals(world))
    with world.store.read() as session:
        assert session.query(Evidence).count() == 0
