"""The email hanchot writes directly (`render`) reads as the email package's (`build`).

Both are parsed back with the standard library's parser: every header decoded, the
tree of parts, their types and parameters, file names and decoded contents must
agree. Transfer encodings may differ (the written message is always 7-bit) and so may
boundaries and folding points: what a mail client shows may not.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest

from notifier.base import Attachment, Outgoing
from notifier.compose import XLSX
from notifier.email.message import build, envelope_sender, render
from notifier.email.transport import EmailChannel
from notifier.settings import SmtpSettings
from tests.fakes.smtp import FakeSMTP

NOW = datetime(2031, 6, 16, 1, 2, 3, tzinfo=UTC)
SENDERS = [
    "Hạn chót <hanchot@tinh-thu.example>",
    "hanchot@tinh-thu.example",
    "Han chot <hanchot@tinh-thu.example>",
    '"Sở Y tế, tỉnh Thủ" <so-y-te@tinh-thu.example>',
    '"Phong (LĐTBXH); A.B" <p@tinh-thu.example>',
]
SUBJECTS = [
    "Nhắc hạn nộp: Báo cáo 6 tháng công tác bình đẳng giới (6 tháng đầu năm 2031) — "
    "hạn cuối Thứ Hai, 16/06/2031 [HC-XHUIODJHRB]",
    "Reminder [HC-ABC]",
    "A plain ASCII subject that is long enough to be folded somewhere along the way "
    "by one of the two writers [HC-ABCDEFGHIJ]",
    "[HC-ABC] Đã nhận báo cáo",
    "=?utf-8?q?not_an_encoded_word?= có dấu",
    "=?utf-8?q?literal?=",
    "Biên nhận 😀 – ữ€",
    "x" * 120,
]
TEXTS = [
    "Kính gửi Trần Văn A,\n\nSở Y tế có báo cáo cần nộp. Còn 15 ngày đến hạn cuối.\n",
    "Short ASCII text.\n",
    "A line of exactly the length that pushes quoted-printable over the edge: " * 3 + "\n",
    "Dòng có khoảng trắng cuối   \n\tthụt lề\n.\n.dòng bắt đầu bằng chấm\nFrom đây\n",
    "=?utf-8?q?x?= =3D =_boundary-like\n",
]
HTMLS = [
    None,
    '<!DOCTYPE html>\n<html lang="vi"><body><p>Kính gửi <b>Trần Văn A</b>,</p>'
    '<p><a href="https://hanchot.example/nop/eyJkIjoiZGVhZGxpbmUiLCJwIjoiZnAtYiJ9.abc">'
    "Nộp báo cáo</a></p></body></html>",
    "<p>ascii</p>",
]


def outgoing(seed: int) -> Outgoing:
    rng = random.Random(seed)
    attachments: list[Attachment] = []
    if rng.random() < 0.7:
        ics = ("BEGIN:VCALENDAR\r\nSUMMARY:Hạn nộp\r\n" * rng.randint(1, 40)).encode()
        attachments.append(Attachment("han-nop.ics", "text/calendar", ics))
    if rng.random() < 0.2:
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))
        attachments.append(Attachment("bao-cao-qua-han-2031-H1.xlsx", XLSX, data))
    return Outgoing(
        address=rng.choice(["a@thu.example", "Trần Văn A <a@thu.example>"]),
        subject=rng.choice(SUBJECTS),
        text=rng.choice(TEXTS) * rng.randint(1, 5),
        html=rng.choice(HTMLS),
        attachments=tuple(attachments),
        message_id=rng.choice([None, f"<{seed:032x}@tinh-thu.example>"]),
        reference="CVIRMZ",
        headers=rng.choice([{}, {"X-Hanchot-Ref": "CVIRMZ"}, {"X-Note": "Ghi chú có dấu"}]),
    )


def parse(data: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    return message


def reading(message: EmailMessage) -> list[Any]:
    """What a reader of the message gets: decoded headers, then each part's type,
    parameters (boundaries aside), disposition, file name and decoded content."""
    out: list[Any] = []
    skip = {"content-transfer-encoding", "mime-version", "content-type"}
    out.append(sorted((k.lower(), str(v)) for k, v in message.items() if k.lower() not in skip))
    out.append((message["From"].addresses, message["To"].addresses))
    for part in message.walk():
        params = {k: v for k, v in part.get_params() or [] if k not in ("boundary",)}
        entry: list[Any] = [part.get_content_type(), params, part.get_content_disposition()]
        entry.append(part.get_filename())
        if not part.is_multipart():
            content = part.get_content()
            if isinstance(content, str):
                content = content.replace("\r\n", "\n")
            entry.append(content)
        out.append(entry)
    return out


def subject(read: list[Any]) -> str:
    """The decoded Subject, taken out of `read` (compared on its own)."""
    [value] = [v for k, v in read[0] if k == "subject"]
    read[0] = [(k, v) for k, v in read[0] if k != "subject"]
    return str(value)


@pytest.mark.parametrize("seed", range(60))
def test_the_written_message_reads_as_the_email_packages(seed: int) -> None:
    message = outgoing(seed)
    sender = SENDERS[seed % len(SENDERS)]
    ours = render(message, sender, NOW)
    assert ours is not None
    reference = build(message, sender, NOW).as_bytes(policy=policy.SMTP)
    mine, theirs = reading(parse(ours)), reading(parse(reference))
    assert subject(mine) == message.subject
    if "=?" not in message.subject:  # the email package leaves such ASCII unencoded,
        assert subject(theirs) == message.subject  # so a reader decodes it: a bug
    else:
        subject(theirs)
    assert mine == theirs
    assert ours.isascii()  # no 8BITMIME needed
    assert b"\n" not in ours.replace(b"\r\n", b"")
    lines = ours.split(b"\r\n")
    assert all(len(line) <= 78 or len(line.split()) <= 2 for line in lines)  # one long token
    assert all(len(line) <= 998 for line in lines)
    assert envelope_sender(sender) == parse(ours)["From"].addresses[0].addr_spec


def test_a_subjects_tag_stays_readable_in_the_raw_header() -> None:
    """Plain words after the encoded span are written as they are, as the email package
    writes them (a raw-header reader, a filter, still finds `[HC-...]`)."""
    message = Outgoing(address="a@thu.example", subject=SUBJECTS[0], text="x")
    data = render(message, SENDERS[0], NOW)
    assert data is not None
    raw = data.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ")
    assert b"?= Hai, 16/06/2031 [HC-XHUIODJHRB]\r\n" in raw + b"\r\n"


@pytest.mark.parametrize(
    "change",
    [
        {"sender": "Hạn chót <hạn-chót@tinh-thu.example>"},
        {"subject": "Dòng 1\nDòng 2"},
        {"headers": {"X-Ref": "a\r\nBcc: x@y.example"}},
        {"attachments": (Attachment("hạn-nộp.ics", "text/calendar", b"x"),)},
        {"attachments": (Attachment('a"b.ics', "text/calendar", b"x"),)},
    ],
)
def test_what_render_does_not_write_is_left_to_the_email_package(change: dict[str, Any]) -> None:
    base = outgoing(3)
    sender = change.pop("sender", SENDERS[0])
    message = Outgoing(**{**{f: getattr(base, f) for f in base.__slots__}, **change})
    assert render(message, sender, NOW) is None


async def test_both_ways_reach_the_server(smtp: FakeSMTP) -> None:
    """The written bytes (sendmail) and the email package's message (send_message,
    here for a non-ASCII file name) arrive, each with its Message-ID."""
    settings = SmtpSettings(
        host="127.0.0.1", port=smtp.port, security="none", sender=SENDERS[0], timeout=5.0
    )
    channel = EmailChannel(settings)
    written = outgoing(7)
    package = Outgoing(
        address="b@thu.example",
        subject=SUBJECTS[0],
        text=TEXTS[0],
        attachments=(Attachment("hạn-nộp.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),),
        message_id="<package@tinh-thu.example>",
    )
    assert render(written, SENDERS[0], NOW) is not None
    assert render(package, SENDERS[0], NOW) is None
    try:
        sent = [await channel.send(written), await channel.send(package)]
    finally:
        await channel.aclose()
    assert [s.message_id for s in sent] == [written.message_id or "", "<package@tinh-thu.example>"]
    first, second = smtp.messages
    assert first["To"] == "a@thu.example" and second["To"] == "b@thu.example"
    assert str(first["Subject"]) == written.subject and str(second["Subject"]) == SUBJECTS[0]
    [attachment] = second.iter_attachments()
    assert attachment.get_filename() == "hạn-nộp.ics"
