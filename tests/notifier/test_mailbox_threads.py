"""Corpus replies through the real path: Dovecot, the poller, the store and a real
UnitDeadline workflow. A reply whose token was removed is matched through the
Message-ID of the reminder we sent (delivered over SMTP, so the id is the outbox row's);
automatic answers, with or without a token, change no deadline; the PDF inside Outlook's
winmail.dat is the evidence stored, not the .dat."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from notifier import tokens
from notifier.delivery import Deliverer
from notifier.inbound import Engine
from store.enums import Channel, InboundOutcome
from store.models import Evidence, InboundMessage
from tests.fakes.imap import Imap, dovecot
from tests.notifier.conftest import BACKENDS
from tests.notifier.engine import running
from tests.notifier.test_mail_corpus import EXPECTED
from tests.notifier.test_mailbox import poller
from tests.notifier.world import World

CORPUS = Path(__file__).parents[1] / "data" / "mail" / "corpus"


@pytest.fixture
def imap() -> Iterator[Imap]:
    with dovecot() as server:
        yield server


def corpus(name: str, tag: str, ours: str) -> bytes:
    """A corpus message answering this world's deadline: its token and our Message-ID."""
    raw = (CORPUS / name).read_bytes()
    return raw.replace(f"[HC-{EXPECTED['token']}]".encode(), tag.encode()).replace(
        EXPECTED["ours"].encode(), ours.encode()
    )


async def sent_reminder(world: World, deliverer: Deliverer) -> tuple[str, str]:
    """Send the -3d reminder by email; (the deadline's subject tag, the Message-ID)."""
    wid, step = world.queue()
    [outcome] = await deliverer.deliver_step(wid, step, channel="email")
    assert outcome.status == "sent"
    row = world.row(wid, step, Channel.EMAIL)
    assert row.message_id
    return tokens.subject_tag(world.settings.secret, wid), row.message_id


@pytest.mark.parametrize("world", BACKENDS, indirect=True)
async def test_automatic_answers_change_no_deadline_and_a_threaded_reply_is_applied(
    world: World, imap: Imap, deliverer: Deliverer
) -> None:
    automatic = sorted(n for n, e in EXPECTED["messages"].items() if e["why"] == "auto_reply")
    async with running(world) as engine:
        tag, ours = await sent_reminder(world, deliverer)
        for name in automatic:
            imap.append(corpus(name, tag, ours))
        first = await poller(world, imap, Engine(engine.client)).poll()
        untouched = await engine.state()
        imap.append(corpus("edited-subject-in-reply-to.eml", tag, ours))
        second = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()

    assert (first.read, first.quarantined, first.applied) == (len(automatic), len(automatic), 0)
    assert untouched.submission is None
    assert second.applied == 1
    assert state.submission is not None and state.submission.document_number == "43/BC-SYT"
    with world.store.read() as session:
        records = session.query(InboundMessage).all()
    held = [r for r in records if r.outcome is InboundOutcome.QUARANTINED]
    assert len(held) == len(automatic)
    assert all("thư trả lời tự động" in (r.reason or "") for r in held)
    assert all(r.deadline_id == world.deadline_id() for r in held)  # seen by the coordinator
    assert not [r for r in world.rows() if r.step.startswith("notice:quarantined")]


async def test_the_report_inside_winmail_dat_is_the_evidence_and_left_files_are_listed(
    world: World, imap: Imap, deliverer: Deliverer
) -> None:
    async with running(world) as engine:
        tag, ours = await sent_reminder(world, deliverer)
        imap.append(corpus("outlook-vi-tnef-cp1258.eml", tag, ours))
        imap.append(corpus("outlook-en-signature-logo.eml", tag, ours))
        result = await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()
    assert (result.applied, result.quarantined) == (1, 1)  # the second: already submitted
    assert state.submission is not None and state.submission.document_number == "21/BC-SYT"
    with world.store.read() as session:
        evidence = session.query(Evidence).all()
        records = session.query(InboundMessage).order_by(InboundMessage.id).all()
    assert [(e.file_name, e.content_type) for e in evidence] == [
        ("Báo cáo 6 tháng.pdf", "application/pdf")
    ]
    pdf = (world.tmp / evidence[0].storage_path).read_bytes()
    assert pdf.startswith(b"%PDF") and evidence[0].sha256 == hashlib.sha256(pdf).hexdigest()
    assert records[0].outcome is InboundOutcome.APPLIED


async def test_files_not_taken_are_listed_with_the_reason(
    world: World, imap: Imap, deliverer: Deliverer
) -> None:
    async with running(world) as engine:
        tag, ours = await sent_reminder(world, deliverer)
        imap.append(corpus("outlook-en-signature-logo.eml", tag, ours))
        await poller(world, imap, Engine(engine.client)).poll()
        state = await engine.state()
    with world.store.read() as session:
        [record] = session.query(InboundMessage).all()
        [evidence] = session.query(Evidence).all()
    assert evidence.file_name == "BC 6T.pdf"
    assert record.outcome is InboundOutcome.APPLIED
    assert "image001.png (ảnh hiển thị trong nội dung thư" in (record.reason or "")
    assert state.submission is not None and "image001.png" in (state.submission.note or "")
