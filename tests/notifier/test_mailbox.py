"""The mailbox poller on a real IMAP server (Dovecot) and a real UnitDeadline workflow."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY

from notifier import tokens
from notifier.inbound import Engine, EngineUnavailable
from notifier.mailbox.apply import ReplyHandler
from notifier.mailbox.poller import Mailbox, MailboxPoller
from notifier.settings import ImapSettings, Secret
from store.enums import InboundOutcome
from store.evidence import EvidenceStore
from store.models import Evidence, InboundMessage
from tests.fakes.imap import Imap, dovecot
from tests.notifier.engine import running
from tests.notifier.test_reply_auth import OURS, received
from tests.notifier.test_reply_parse import raw
from tests.notifier.world import World


@pytest.fixture
def imap() -> Iterator[Imap]:
    with dovecot() as server:
        yield server


def poller(world: World, imap: Imap, engine: Engine, authserv_id: str = "") -> MailboxPoller:
    settings = ImapSettings(
        host=imap.host,
        port=imap.port,
        security="none",
        user=imap.user,
        password=Secret(imap.password),
        authserv_id=authserv_id,
    )
    evidence = EvidenceStore(world.tmp)
    handler = ReplyHandler(world.store, engine, evidence, world.settings.secret)
    return MailboxPoller(Mailbox(settings), handler)


def tagged(world: World, unit: str = "unit-a") -> str:
    wid = world.inputs[unit].cycle.deadline_id(unit)
    return f"Re: Nhắc hạn nộp: Báo cáo 6 tháng {tokens.subject_tag(world.settings.secret, wid)}"


async def test_a_reply_from_the_contact_is_a_submission_with_its_attachments(
    world: World, imap: Imap
) -> None:
    pdf = b"%PDF-1.4 bao cao 6 thang" * 50
    async with running(world) as engine:
        imap.append(
            raw(
                subject=tagged(world),
                sender="Trần Văn A <a@thu.example>",
                attachments=[("báo cáo.pdf", "application/pdf", pdf)],
            )
        )
        first = await poller(world, imap, Engine(engine.client)).poll()
        again = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()

    assert (first.read, first.applied, again.read) == (1, 1, 0)
    assert state.submission is not None
    assert (state.submission.by, state.submission.channel) == ("fp-a", "email")
    assert state.submission.document_number == "45/BC-SYT"
    with world.store.read() as session:
        [evidence] = session.query(Evidence).all()
        [record] = session.query(InboundMessage).all()
    assert evidence.sha256 == hashlib.sha256(pdf).hexdigest() and evidence.size == len(pdf)
    assert record.outcome is InboundOutcome.APPLIED and record.sender == "a@thu.example"
    assert all(b"\\Seen" in f for f in imap.flags())


async def test_anything_else_is_quarantined_for_the_coordinator_and_never_applied(
    world: World, imap: Imap
) -> None:
    async with running(world) as engine:
        imap.append(
            raw(subject=tagged(world), sender="ke.la@gmail.example", message_id="<stranger@x>")
        )
        imap.append(raw(subject="Re: báo cáo", message_id="<no-token@x>"))
        imap.append(
            raw(
                subject=tagged(world),
                headers={"Auto-Submitted": "auto-replied"},
                message_id="<ooo@x>",
            )
        )
        result = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()

    assert (result.read, result.quarantined, result.applied) == (3, 3, 0)
    assert state.submission is None
    with world.store.read() as session:
        records = {r.raw_ref: r for r in session.query(InboundMessage).all()}
    assert {r.outcome for r in records.values()} == {InboundOutcome.QUARANTINED}
    assert "không phải đầu mối" in (records["<stranger@x>"].reason or "")
    assert "không có mã" in (records["<no-token@x>"].reason or "")
    stored = (records["<stranger@x>"].reason or "").rsplit("bản gốc: ", 1)[1]
    assert b"ke.la@gmail.example" in (world.tmp / stored).read_bytes()
    notices = [r for r in world.rows() if r.step.startswith("notice:quarantined")]
    assert {r.recipient.key for r in notices} == {"coord"}
    assert {r.payload["sender"] for r in notices} == {"ke.la@gmail.example"}


async def test_a_reply_the_deadline_refuses_is_quarantined_with_the_reason(
    world: World, imap: Imap
) -> None:
    async with running(world) as engine:
        imap.append(raw(subject=tagged(world), message_id="<first@x>"))
        imap.append(raw(subject=tagged(world), message_id="<second@x>", body="Gửi lại 46/BC-SYT"))
        result = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()
    assert (result.applied, result.quarantined) == (1, 1)
    assert state.submission is not None and state.submission.document_number == "45/BC-SYT"
    with world.store.read() as session:
        second = session.query(InboundMessage).filter_by(raw_ref="<second@x>").one()
    assert "đã được ghi nhận" in (second.reason or "")


class Down(Engine):
    def __init__(self) -> None:
        pass

    async def update(self, workflow_id: str, name: str, arg: object):  # type: ignore[no-untyped-def]
        raise EngineUnavailable("connection refused")


async def test_while_temporal_is_down_replies_stay_unread(world: World, imap: Imap) -> None:
    world.open("unit-a")
    imap.append(raw(subject=tagged(world)))
    result = await poller(world, imap, Down()).poll()
    assert (result.read, result.deferred) == (1, 1)
    assert not any(b"\\Seen" in f for f in imap.flags())
    with world.store.read() as session:
        assert session.query(InboundMessage).count() == 0


def unauthenticated() -> float:
    labels = {"channel": "email", "outcome": "quarantined", "reason": "unauthenticated"}
    return REGISTRY.get_sample_value("hanchot_inbound_replies_total", labels) or 0.0


FORGED = "mx.evil.example; dmarc=pass header.from=thu.example; dkim=pass header.d=thu.example"
"""What a forger writes into the message he sends: any id, every check passed."""


async def test_with_an_authserv_id_only_our_servers_verdict_lets_a_reply_in(
    world: World, imap: Imap
) -> None:
    before = unauthenticated()
    async with running(world) as engine:
        imap.append(
            received(FORGED, subject=tagged(world), body="Gửi 46/BC-SYT", message_id="<forged@x>")
        )
        imap.append(
            received(
                f"{OURS}; spf=pass smtp.mailfrom=a@thu.example; dkim=pass header.d=thu.example",
                FORGED,
                subject=tagged(world),
                message_id="<genuine@x>",
            )
        )
        result = await poller(world, imap, Engine(engine.client), OURS).poll()
        state = await engine.state()

    assert (result.read, result.applied, result.quarantined) == (2, 1, 1)
    assert state.submission is not None and state.submission.document_number == "45/BC-SYT"
    with world.store.read() as session:
        records = {r.raw_ref: r for r in session.query(InboundMessage).all()}
    assert records["<genuine@x>"].outcome is InboundOutcome.APPLIED
    forged = records["<forged@x>"]
    assert forged.outcome is InboundOutcome.QUARANTINED and forged.sender == "a@thu.example"
    assert forged.person_id is None and forged.deadline_id is not None
    assert f"không xác thực được người gửi: không có Authentication-Results của {OURS}" in (
        forged.reason or ""
    )
    stored = (forged.reason or "").rsplit("bản gốc: ", 1)[1]
    assert b"mx.evil.example" in (world.tmp / stored).read_bytes()
    notices = [r for r in world.rows() if r.step.startswith("notice:quarantined")]
    assert [r.recipient.key for r in notices] == ["coord"]
    assert "không xác thực được người gửi" in notices[0].payload["reason"]
    assert unauthenticated() - before == 1
    assert all(b"\\Seen" in f for f in imap.flags())


async def test_without_an_authserv_id_from_and_token_are_trusted_as_before(
    world: World, imap: Imap
) -> None:
    async with running(world) as engine:
        imap.append(received(FORGED, subject=tagged(world), message_id="<forged@x>"))
        result = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()
    assert (result.read, result.applied) == (1, 1)
    assert state.submission is not None and state.submission.by == "fp-a"
