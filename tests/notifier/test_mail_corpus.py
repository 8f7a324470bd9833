"""The reply corpus (tests/data/mail): every message, shaped as a real client or server
writes it, gives its expected outcome: matched deadline, automatic or not, document
number from what the person wrote, files taken and files left with the reason.

Pure: the lookup of a token or a thread is the store's (tested in test_mailbox); here a
token equal to the corpus's, or the corpus's Message-ID of ours in the thread, names
the one deadline."""

from __future__ import annotations

import hashlib
import json
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from notifier.mailbox.apply import Target, judge
from notifier.mailbox.parse import Reply, parse

DATA = Path(__file__).parents[1] / "data" / "mail"
EXPECTED: dict[str, Any] = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
TARGET = Target(
    deadline_id=1,
    workflow_id="deadline/so-y-te/bc-6-thang/2026-H2/syt",
    calendar_key="so-y-te",
    obligation_key="bc-6-thang",
    unit_name="Sở Y tế",
    obligation_name="Báo cáo 6 tháng",
    period_label="6 tháng cuối năm 2026",
    focal_points={"a@thu.example": (1, "fp-a")},
)


def located(reply: Reply) -> Target | None:
    if reply.token is not None:
        return TARGET if reply.token == EXPECTED["token"] else None
    return TARGET if EXPECTED["ours"] in reply.thread else None


def test_the_corpus_is_large_enough_and_every_file_has_an_expectation() -> None:
    files = {p.name for p in (DATA / "corpus").glob("*.eml")}
    assert len(files) >= 40
    assert files == set(EXPECTED["messages"])


@pytest.mark.parametrize("name", sorted(EXPECTED["messages"]))
def test_every_corpus_message_gives_its_expected_outcome(name: str) -> None:
    expect = EXPECTED["messages"][name]
    reply = parse((DATA / "corpus" / name).read_bytes())
    target = located(reply)
    verdict = judge(reply, target)
    assert (verdict.outcome.value, verdict.why) == (expect["outcome"], expect["why"])
    assert reply.automatic is (expect["why"] == "auto_reply")
    if expect.get("threaded"):
        assert reply.token is None and target is TARGET
    if expect["outcome"] != "applied":
        return
    assert reply.document_number == expect["number"]
    assert "45/KH-UBND" not in reply.body  # the reminder's plan number is never "written"
    assert [p.file_name for p in reply.attachments] == expect["taken"]
    assert [[i.file_name, i.why] for i in reply.left] == expect["left"]
    for part in reply.attachments:
        assert part.data[:4] in (b"%PDF", b"PK\x03\x04", b"\xff\xd8\xff\xe0")


REPORT_MAGIC = (b"%PDF", b"PK\x03\x04", b"\xd0\xcf\x11\xe0")


@pytest.mark.parametrize("name", sorted(EXPECTED["messages"]))
def test_no_attached_report_is_lost(name: str) -> None:
    """Whatever its place in the MIME tree (nested messages included), a part holding
    a PDF, an Office/OpenDocument/ZIP file is taken, or the message is not applied."""
    raw = (DATA / "corpus" / name).read_bytes()
    reply = parse(raw)
    if judge(reply, located(reply)).outcome.value != "applied":
        return
    msg = message_from_bytes(raw, policy=policy.default)
    reports = set()
    for part in msg.walk():
        data = None if part.is_multipart() else part.get_payload(decode=True)
        if isinstance(data, bytes) and data.startswith(REPORT_MAGIC):
            reports.add(hashlib.sha256(data).hexdigest())
    taken = {hashlib.sha256(p.data).hexdigest() for p in reply.attachments}
    assert reports <= taken
