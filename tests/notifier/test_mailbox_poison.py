"""Poison mail on a real IMAP server (Dovecot): set aside once, never re-read, never in
the way of a genuine reply (issue 12)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from notifier.inbound import Engine
from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.bounds import Limits
from notifier.mailbox.isolate import ParserProcess
from notifier.mailbox.poller import Mailbox, MailboxPoller, fair_share
from notifier.settings import ImapSettings, Secret
from store.enums import InboundOutcome
from store.evidence import EvidenceStore
from store.models import Evidence, InboundMessage
from tests.fakes.imap import Imap, dovecot
from tests.notifier import poison
from tests.notifier.conftest import BACKENDS
from tests.notifier.engine import running
from tests.notifier.test_mailbox import tagged
from tests.notifier.test_reply_parse import raw
from tests.notifier.world import World


@pytest.fixture
def imap() -> Iterator[Imap]:
    with dovecot() as server:
        yield server


@pytest.fixture
def parser() -> Iterator[ParserProcess]:
    process = ParserProcess(Limits(max_bytes=300_000), timeout=20)
    yield process
    process.close()


def poller(
    world: World,
    imap: Imap,
    engine: Engine,
    parser: ParserProcess,
    evidence_max: int = 20 * 1024 * 1024,
    max_per_poll: int = 200,
) -> MailboxPoller:
    settings = ImapSettings(
        host=imap.host,
        port=imap.port,
        security="none",
        user=imap.user,
        password=Secret(imap.password),
    )
    handler = ReplyHandler(
        world.store, engine, EvidenceStore(world.tmp, evidence_max), world.settings.secret
    )
    return MailboxPoller(Mailbox(settings), handler, parser, max_per_poll=max_per_poll)


def records(world: World) -> list[InboundMessage]:
    with world.store.read() as session:
        return session.query(InboundMessage).order_by(InboundMessage.id).all()


class Broken(Engine):
    """An engine whose every call fails with a bug (not an outage)."""

    def __init__(self) -> None:
        pass

    async def update(self, workflow_id: str, name: str, arg: object):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug on our side")


@pytest.mark.parametrize(
    ("message", "why", "said"),
    [
        (poison.nested(), "too_deep", "lồng quá nhiều tầng"),
        (poison.many_parts(), "parts", "quá nhiều phần"),
        (poison.deep_comments(), "too_deep", "lồng quá nhiều tầng"),
        (poison.oversized(400_000), "too_large", "chỉ giữ phần tiêu đề"),
    ],
    ids=["nested-1000", "5000-parts", "nested-comments", "over-the-fetch-limit"],
)
@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_poison_is_set_aside_once_with_why_and_never_read_again(
    world: World, imap: Imap, parser: ParserProcess, message: bytes, why: str, said: str
) -> None:
    imap.append(message)
    first = await poller(world, imap, Broken(), parser).poll()
    again = await poller(world, imap, Broken(), parser).poll()
    assert (first.read, first.set_aside, again.read) == (1, 1, 0)
    [record] = records(world)
    assert record.outcome is InboundOutcome.QUARANTINED and record.person_id is None
    assert said in (record.reason or "") and record.raw_ref.startswith("sha256:")
    assert record.sender == "x@attacker.example"
    kept = (world.tmp / str(record.original_path)).read_bytes()
    assert kept.startswith(b"From: x@attacker.example") and len(kept) <= 300_000
    assert all(b"\\Seen" in f for f in imap.flags())
    assert parser.restarts == 0  # the bounds caught it: no child was lost


async def test_a_quarantined_reply_over_the_evidence_limit_keeps_its_headers(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    """TooLarge used to be raised again while keeping the original: unread for ever."""
    world.open("unit-a")
    big = raw(
        subject=tagged(world),
        sender="ke.la@gmail.example",
        attachments=[("bao-cao.pdf", "application/pdf", b"%PDF-1.4" + b"x" * 150_000)],
    )
    imap.append(big)
    first = await poller(world, imap, Broken(), parser, evidence_max=100_000).poll()
    again = await poller(world, imap, Broken(), parser, evidence_max=100_000).poll()
    assert (first.read, first.quarantined, again.read) == (1, 1, 0)
    [record] = records(world)
    assert "không phải đầu mối" in (record.reason or "")
    assert "bản gốc quá lớn, chỉ giữ phần tiêu đề" in (record.reason or "")
    kept = (world.tmp / str(record.original_path)).read_bytes()
    assert b"ke.la@gmail.example" in kept and len(kept) < 10_000


async def test_a_reply_that_keeps_failing_is_set_aside_after_three_polls(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    world.open("unit-a")
    imap.append(raw(subject=tagged(world)))
    reader = poller(world, imap, Broken(), parser)
    results = [await reader.poll() for _ in range(4)]
    assert [(r.read, r.deferred, r.set_aside) for r in results] == [
        (1, 1, 0),
        (1, 1, 0),
        (1, 0, 1),
        (0, 0, 0),
    ]
    [record] = records(world)
    assert "đã thử 3 lần" in (record.reason or "") and record.sender == "a@thu.example"


async def test_a_backlog_of_poison_never_hides_a_new_reply(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    for message in poison.kinds() * 10:
        imap.append(message)
    async with running(world) as engine:
        imap.append(raw(subject=tagged(world), message_id="<genuine@x>"))
        result = await poller(world, imap, Engine(engine.client), parser, max_per_poll=10).poll()
        state = await engine.state()
    assert (result.read, result.applied, result.set_aside, result.left) == (10, 1, 9, 21)
    assert state.submission is not None and state.submission.channel == "email"


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_a_message_id_taken_by_a_strangers_mail_does_not_hide_the_genuine_reply(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    async with running(world) as engine:
        imap.append(
            raw(subject=tagged(world), sender="ke.la@gmail.example", message_id="<reused@x>")
        )
        await poller(world, imap, Engine(engine.client), parser).poll()
        imap.append(raw(subject=tagged(world), message_id="<reused@x>"))
        genuine = await poller(world, imap, Engine(engine.client), parser).poll()
        again = await poller(world, imap, Engine(engine.client), parser).poll()
        state = await engine.state()
    assert (genuine.read, genuine.applied, again.read) == (1, 1, 0)
    assert state.submission is not None and state.submission.by == "fp-a"
    stranger, applied = records(world)
    assert (stranger.raw_ref, stranger.outcome) == ("<reused@x>", InboundOutcome.QUARANTINED)
    assert applied.outcome is InboundOutcome.APPLIED
    assert applied.raw_ref.startswith("<reused@x> sha256:")


async def test_files_hanchot_does_not_take_are_refused_by_email_too_saying_which(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    pdf = b"%PDF-1.4 bao cao" * 10
    async with running(world) as engine:
        imap.append(
            raw(
                subject=tagged(world),
                message_id="<exe@x>",
                attachments=[("bao-cao.exe", "application/octet-stream", b"MZ\x90\x00")],
            )
        )
        imap.append(
            raw(
                subject=tagged(world),
                message_id="<mixed@x>",
                attachments=[
                    ("bao-cao.pdf", "application/octet-stream", pdf),
                    ("gia-mao.pdf", "application/pdf", b"<html>not a pdf</html>"),
                ],
            )
        )
        result = await poller(world, imap, Engine(engine.client), parser).poll()
        state = await engine.state()
    assert (result.quarantined, result.applied) == (1, 1)
    exe, mixed = records(world)
    assert exe.outcome is InboundOutcome.QUARANTINED
    assert "bao-cao.exe (không nhận tệp loại này" in (exe.reason or "")
    assert mixed.outcome is InboundOutcome.APPLIED
    assert "gia-mao.pdf (nội dung tệp không phải PDF" in (mixed.reason or "")
    assert state.submission is not None
    with world.store.read() as session:
        [kept] = session.query(Evidence).all()
    assert (kept.file_name, kept.content_type) == ("bao-cao.pdf", "application/pdf")


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_quarantine_notices_are_few_and_quote_the_subject_without_taking_it(
    world: World, imap: Imap, parser: ParserProcess
) -> None:
    world.open("unit-a")
    bait = "Khẩn: đăng nhập lại tại http://evil.example/login " + "x" * 200
    for n in range(6):
        imap.append(
            raw(
                subject=f"{tagged(world)} {bait}",
                sender="ke.la@gmail.example",
                message_id=f"<bait-{n}@x>",
            )
        )
    result = await poller(world, imap, Broken(), parser).poll()
    assert result.quarantined == 6 and len(records(world)) == 6
    notices = [r for r in world.rows() if r.step.startswith("notice:quarantined")]
    assert len({r.step for r in notices}) == 3
    quoted = notices[0].payload["reply_subject"]
    assert quoted.startswith("«") and quoted.endswith("…»") and len(quoted) <= 82


@pytest.mark.parametrize(
    ("unread", "limit", "taken"),
    [
        (5, 10, [1, 2, 3, 4, 5]),  # all fit: oldest first, as they came
        (30, 10, [30, 29, 28, 27, 26, 1, 2, 3, 4, 5]),  # backlog: newest first, then oldest
        (11, 10, [11, 10, 9, 8, 7, 1, 2, 3, 4, 5]),
        (0, 10, []),
    ],
)
def test_a_poll_takes_the_newest_half_first_and_then_the_oldest(
    unread: int, limit: int, taken: list[int]
) -> None:
    uids = [str(n).encode() for n in range(1, unread + 1)]
    assert fair_share(uids, limit) == [str(n).encode() for n in taken]
