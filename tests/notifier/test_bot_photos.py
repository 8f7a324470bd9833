"""Photos sent to the bot as evidence (real UnitDeadline workflows, time-skipping server):
the largest size is fetched, checked by its bytes and named by date; a report
photographed page by page is one submission with every page, whether the pages follow a
Đã nộp press or wait for the person to pick the report."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from notifier.telegram.bot import HanchotBot
from notifier.telegram.keyboard import Action, decode, encode
from notifier.telegram.pending import PAGES, Pending
from store.enums import InboundOutcome
from store.evidence import EvidenceStore
from store.models import AuditEntry, Evidence, InboundMessage, Submission, TelegramPending
from tests.fakes.telegram_api import FakeTelegram
from tests.notifier.conftest import BACKENDS
from tests.notifier.engine import bot_app, feed, running
from tests.notifier.world import World

FP_A = 1001
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


def page(n: int, head: bytes = JPEG) -> bytes:
    return head + f"trang {n} của báo cáo đã ký".encode() * 200


def files(world: World) -> list[tuple[int, str, str]]:
    """(submission, file name, sha256) of every evidence file, in order."""
    with world.store.read() as session:
        rows = session.execute(
            sa.select(Evidence.submission_id, Evidence.file_name, Evidence.sha256).order_by(
                Evidence.id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


def actions(world: World) -> list[str]:
    with world.store.read() as session:
        return list(
            session.scalars(
                sa.select(AuditEntry.action)
                .where(AuditEntry.action.startswith("evidence_"))
                .order_by(AuditEntry.id)
            )
        )


async def test_a_report_photographed_page_by_page_after_the_button_is_one_submission(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    pages = [page(1), page(2), page(3, PNG)]
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        deadline = world.deadline_id()
        await feed(
            app, telegram.callback(FP_A, encode(world.settings.secret, Action.SUBMIT, deadline))
        )
        for content in pages:
            await feed(app, telegram.photo(FP_A, content, media_group_id="album-1"))
        state = await engine.state()

    assert state.submission is not None and state.submission.by == "fp-a"
    stored = files(world)
    assert [sha for _, _, sha in stored] == [hashlib.sha256(p).hexdigest() for p in pages]
    assert len({submission for submission, _, _ in stored}) == 1  # one submission, 3 pages
    names = [name for _, name, _ in stored]
    assert all(n.startswith("anh-") for n in names)
    assert [n.rsplit(".", 1)[1] for n in names] == ["jpg", "jpg", "png"]
    assert actions(world) == ["evidence_added", "evidence_added"]
    texts = telegram.texts(FP_A)
    assert "Đã ghi nhận" in texts[1]
    assert "nay có 2 tệp" in texts[2] and "nay có 3 tệp" in texts[3]
    assert not any("Không thực hiện được" in t for t in texts)
    with world.store.read() as session:
        assert session.query(Submission).count() == 1
        refused = session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).count()
    assert refused == 0


async def test_the_largest_size_is_fetched_and_the_thumbnail_never(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    thumbnail = JPEG + b"nho" * 10
    async with bot_app(world, None) as (_, app):
        await feed(app, telegram.photo(FP_A, page(1), thumbnail=thumbnail))
    [only] = list(world.tmp.glob("evidence/*/*"))
    assert only.read_bytes() == page(1)
    assert telegram.served == len(page(1))


async def test_photos_sent_while_two_reports_are_owed_wait_together_for_one_choice(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    world.link_telegram("fp-b", str(FP_A))  # one chat, two deadlines owed
    pages = [page(1), page(2), page(3)]
    async with running(world, ("unit-a", "unit-b")) as engine:
        async with bot_app(world, engine.client) as (_, app):
            for content in pages:
                await feed(app, telegram.photo(FP_A, content))
            asks = [m for m in telegram.sent if "reply_markup" in m]
            buttons = [row[0] for row in asks[0]["reply_markup"]["inline_keyboard"]]
            [pick] = [
                b["callback_data"]
                for b in buttons
                if (p := decode(world.settings.secret, b["callback_data"]))
                and p.row_id == world.deadline_id("unit-b")
            ]
            await feed(app, telegram.callback(FP_A, pick))
            await feed(app, telegram.photo(FP_A, page(4)))  # one more, after the choice
        states = [await engine.state("unit-a"), await engine.state("unit-b")]

    assert len(asks) == 1  # one question for the three photos, not three
    assert "3 tệp đang chờ" in telegram.texts(FP_A)[2]
    assert states[0].submission is None and states[1].submission is not None
    stored = files(world)
    assert len(stored) == 4 and len({s for s, _, _ in stored}) == 1
    assert "nay có 4 tệp" in telegram.texts(FP_A)[-1]


async def test_a_photo_that_is_not_an_image_or_too_large_changes_nothing(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    bot = HanchotBot(world.store, None, replace(world.settings, evidence_max_bytes=4096))  # type: ignore[arg-type]
    async with bot.application() as app:
        await feed(app, telegram.photo(FP_A, b"<html><script>x</script></html>" * 10))
        await feed(app, telegram.photo(FP_A, page(1), size=900))  # lies: 900 bytes
    first, second = telegram.texts(FP_A)
    assert "ảnh không phải JPEG hay PNG" in first
    assert "Tệp quá lớn" in second
    assert not list(world.tmp.glob("evidence/*/*"))
    with world.store.read() as session:
        assert session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).count() == 2


async def test_the_same_photo_twice_is_kept_once_and_a_photo_after_the_pages_window_is_new(
    world: World, telegram: FakeTelegram
) -> None:
    world.link_telegram("fp-a", str(FP_A))
    async with running(world) as engine, bot_app(world, engine.client) as (_, app):
        await feed(app, telegram.photo(FP_A, page(1)))  # the only deadline owed
        await feed(app, telegram.photo(FP_A, page(2)))
        await feed(app, telegram.photo(FP_A, page(2)))  # sent twice by mistake
        with world.store.write() as session:
            for row in session.scalars(sa.select(TelegramPending)):
                assert row.filed_at is not None
                row.filed_at -= PAGES  # half an hour later: another matter
        await feed(app, telegram.photo(FP_A, page(3)))
        state = await engine.state()

    assert state.submission is not None
    assert [sha for _, _, sha in files(world)] == [
        hashlib.sha256(p).hexdigest() for p in (page(1), page(2))
    ]
    texts = telegram.texts(FP_A)
    assert "nay có 2 tệp" in texts[1] and "nay có 2 tệp" in texts[2]
    assert "không còn báo cáo nào phải nộp" in texts[3]  # not added, not a second submission


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
def test_held_files_gather_and_the_filing_is_kept_on_each_backend(world: World) -> None:
    pending, chat = Pending(world.store), "-1001"
    world.open()
    evidence = EvidenceStore(world.tmp)
    one, two = (evidence.put(page(n), f"anh-{n}.jpg", "image/jpeg") for n in (1, 2))
    assert pending.hold(chat, None, one) == 1
    assert pending.hold(chat, "45/BC-UBND", two) == 2
    assert pending.hold(chat, None, two) == 2  # the same file again: held once
    held = pending.held(chat)
    assert held is not None and held.files == (one, two) and held.number == "45/BC-UBND"
    stale = datetime.now(UTC) - timedelta(hours=25)
    pending.release(chat)
    pending.hold(chat, None, one, now=stale)
    assert pending.hold(chat, None, two) == 1  # what expired is replaced, not gathered
    pending.release(chat)
    pending.filed(chat, world.deadline_id())
    filing = pending.filing(chat)
    assert filing is not None and filing.deadline_id == world.deadline_id()
    assert not filing.expired() and filing.expired(filing.at + PAGES)
    pending.forget(chat, "tg:none")  # clearing a question leaves the filing
    assert pending.filing(chat) is not None
