"""Photos sent to the OA (`user_send_image`) as evidence, through the fake Zalo server and
the webhook's queue, on real UnitDeadline workflows (time-skipping server): every photo
of a message is fetched, checked by its bytes and named by date; a report photographed
page by page is one submission with every page."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from notifier.telegram.keyboard import Action, decode, encode
from store.enums import InboundOutcome
from store.models import Evidence, InboundMessage, Submission
from tests.fakes.zalo_api import FakeZalo
from tests.notifier.engine import running
from tests.notifier.world import World
from tests.notifier.zalo_support import webhook

FP = "8001"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.fixture
def zalo() -> Iterator[FakeZalo]:
    fake = FakeZalo().start()
    try:
        yield fake
    finally:
        fake.stop()


def page(n: int, head: bytes = JPEG) -> bytes:
    return head + f"trang {n} của báo cáo đã ký".encode() * 200


def stored(world: World) -> list[tuple[int, str, str]]:
    with world.store.read() as session:
        rows = session.execute(
            sa.select(Evidence.submission_id, Evidence.file_name, Evidence.sha256).order_by(
                Evidence.id
            )
        )
        return [(int(a), str(b), str(c)) for a, b, c in rows]


async def test_photos_of_one_report_in_two_messages_make_one_submission(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    pages = [page(1), page(2, PNG), page(3)]
    async with running(world) as engine, webhook(world, zalo, engine.client) as hook:
        press = encode(world.settings.secret, Action.SUBMIT, world.deadline_id())
        assert await hook.post(zalo.text(FP, press)) == 200
        assert await hook.post(zalo.image(FP, pages[0], pages[1])) == 200  # a batch of two
        assert await hook.post(zalo.image(FP, pages[2])) == 200  # one more, a minute later
        state = await engine.state()

    assert state.submission is not None and state.submission.channel == "zalo"
    files = stored(world)
    assert [sha for _, _, sha in files] == [hashlib.sha256(p).hexdigest() for p in pages]
    assert len({s for s, _, _ in files}) == 1
    names = [name for _, name, _ in files]
    assert names[0].startswith("anh-") and names[0].endswith(".jpg")
    assert names[1].endswith("-2.png")  # the second photo of its message, a PNG
    receipt, added = zalo.texts(FP)[-2:]
    assert "Đã ghi nhận" in receipt and receipt.count("SHA-256") == 2
    assert "nay có 3 tệp" in added
    with world.store.read() as session:
        assert session.query(Submission).count() == 1
        refused = session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED).count()
    assert refused == 0


async def test_photos_while_two_reports_are_owed_wait_for_one_choice(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    world.link_zalo("fp-b", FP)  # one account, two deadlines owed
    async with (
        running(world, ("unit-a", "unit-b")) as engine,
        webhook(world, zalo, engine.client) as hook,
    ):
        for n in (1, 2, 3):
            await hook.post(zalo.image(FP, page(n)))
        asked = [m for m in zalo.sent if m["message"].get("attachment")]
        [pick] = [
            payload
            for _, payload in zalo.buttons(FP)
            if (p := decode(world.settings.secret, payload))
            and p.row_id == world.deadline_id("unit-b")
        ]
        await hook.post(zalo.text(FP, pick))
        states = [await engine.state("unit-a"), await engine.state("unit-b")]

    assert len(asked) == 1  # one question for three photos
    assert "3 tệp đang chờ" in zalo.texts(FP)[2]
    assert states[0].submission is None and states[1].submission is not None
    files = stored(world)
    assert len(files) == 3 and len({s for s, _, _ in files}) == 1


async def test_a_message_with_a_photo_that_is_not_an_image_takes_none_of_its_photos(
    world: World, zalo: FakeZalo
) -> None:
    world.link_zalo("fp-a", FP)
    world.open()
    async with webhook(world, zalo, None) as hook:
        await hook.post(zalo.image(FP, page(1), b"%PDF-1.4 not a photo" * 10))
        await hook.post(zalo.image("9009", page(1)))  # a stranger
    replies = zalo.texts(FP)
    assert len(replies) == 1 and "ảnh không phải JPEG hay PNG" in replies[0]
    with world.store.read() as session:
        assert session.query(Evidence).count() == 0
        reasons = [
            r.reason
            for r in session.query(InboundMessage).filter_by(outcome=InboundOutcome.REFUSED)
        ]
    assert sorted(str(r) for r in reasons) == [
        "file type: ảnh không phải JPEG hay PNG",
        "unlinked zalo user",
    ]
    assert "chưa liên kết" in zalo.texts("9009")[0]
