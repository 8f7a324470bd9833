"""Outgoing email by the RFCs: the `.ics` part says its charset and the method its
METHOD line says, holds no control character; no header line passes 998 octets
whatever the subject or sender name (long words become encoded words, and read back
the same); a recipient's non-ASCII domain is sent as IDNA, a domain IDNA refuses is a
permanent address error, not a retry forever."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from zoneinfo import ZoneInfo

import pytest

from notifier.base import Attachment, Outgoing, TransportError
from notifier.email.message import build, check_address, render, sender_domain
from notifier.email.transport import EmailChannel
from notifier.ics import IcsEvent, build_calendar
from tests.fakes.smtp import FakeSMTP
from tests.notifier.world import World

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SENDER = "Hệ thống hạn chót <hanchot@tinh-thu.example>"


def calendar(summary: str = "Hạn nộp: Báo cáo 6 tháng — Sở Y tế") -> bytes:
    event = IcsEvent(
        uid="deadline-1@hanchot",
        stamp=datetime(2031, 6, 1, tzinfo=UTC),
        summary=summary,
        start=datetime(2031, 6, 15, 8, tzinfo=TZ),
        end=datetime(2031, 6, 16, tzinfo=TZ),
        description="Hạn cuối: hết ngày 15/06/2031",
        alarm="Sắp đến hạn",
        url="https://hanchot.example/d/1\x07",
    )
    return build_calendar([event], "Lịch báo cáo\x1b[31m")


def both(message: Outgoing, sender: str = SENDER) -> list[tuple[str, bytes]]:
    """The message as `render` writes it and as the email package builds it."""
    rendered = render(message, sender)
    assert rendered is not None
    return [("render", rendered), ("build", build(message, sender).as_bytes(policy=policy.SMTP))]


def parsed(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_the_ics_part_says_its_charset_and_the_method_its_method_line_says() -> None:
    data = calendar()
    message = Outgoing(
        "a@thu.example",
        "Nhắc",
        "Nội dung",
        attachments=(Attachment("han-nop.ics", "text/calendar", data),),
    )
    for path, raw in both(message):
        [part] = [
            p for p in parsed(raw).iter_attachments() if p.get_content_type() == "text/calendar"
        ]
        assert part.get_param("charset") == "utf-8", path
        method = part.get_param("method")
        ics = part.get_payload(decode=True)
        assert isinstance(ics, bytes) and f"\r\nMETHOD:{method}\r\n".encode() in ics, path
        assert "Báo cáo 6 tháng — Sở Y tế" in ics.decode("utf-8")


def test_control_characters_never_reach_the_ics() -> None:
    data = calendar("Hạn\x00 nộp\x08\x0b\x7f: Sở\tY tế")
    assert not [b for b in data if (b < 0x20 and b not in b"\r\n\t") or b == 0x7F]
    assert "Hạn nộp: Sở\tY tế" in data.decode("utf-8")
    assert b"X-WR-CALNAME:L" in data and b"[31m" in data and b"\x1b" not in data


@pytest.mark.parametrize(
    ("subject", "name"),
    [
        ("x" * 990, "Hệ thống"),
        ("Nhắc hạn: " + "B" * 2000 + " [HC-ABCDEFGHJK]", "z" * 995),
        ("a  " + "y" * 990, "Văn phòng " + "z" * 1200),
        ("Nhắc  " + "đ" * 600, "Trần"),
        ("a " * 700, "Sở Y tế"),
    ],
)
def test_no_header_line_passes_998_octets_and_the_values_read_back(subject: str, name: str) -> None:
    sender = f"{name} <hanchot@tinh-thu.example>"
    message = Outgoing("a@thu.example", subject, "x", headers={"X-Hanchot-Ref": "K" * 1500})
    for path, raw in both(message, sender):
        head = raw.split(b"\r\n\r\n", 1)[0]
        assert max(len(line) for line in head.split(b"\r\n")) <= 998, path
        msg = parsed(raw)
        assert " ".join(str(msg["Subject"]).split()) == " ".join(subject.split()), path
        assert msg["From"].addresses[0].addr_spec == "hanchot@tinh-thu.example"
        if path == "render":
            # Python's address parser keeps a space between adjacent encoded words
            # (RFC 2047 §6.2 drops it, as mail clients do): compared without spaces
            shown = msg["From"].addresses[0].display_name
            assert shown.replace(" ", "") == name.replace(" ", "")
            assert str(msg["X-Hanchot-Ref"]) == "K" * 1500


def test_message_ids_of_a_non_ascii_sender_domain_are_ascii() -> None:
    assert sender_domain("Sở <hanchot@sở-y-tế.vn>") == "xn--s-y-t-s61b1i.vn"
    assert sender_domain("hanchot@tinh-thu.example") == "tinh-thu.example"
    assert sender_domain("hanchot") == "hanchot.local"


def test_a_non_ascii_recipient_domain_is_sent_as_idna() -> None:
    assert check_address("Sở Y tế <vanthu@sở-y-tế.thanhhoa.gov.vn>") == (
        "vanthu@xn--s-y-t-s61b1i.thanhhoa.gov.vn"
    )
    assert check_address("a@thu.example") == "a@thu.example"
    with pytest.raises(TransportError) as refused:
        check_address("a@xn--ab-.vn-ư")
    assert refused.value.address and refused.value.permanent


async def test_the_idna_recipient_gets_the_mail(world: World, smtp: FakeSMTP) -> None:
    channel = EmailChannel(world.settings.smtp)
    try:
        await channel.send(Outgoing("vanthu@sở-y-tế.vn", "Nhắc hạn nộp", "Nội dung"))
    finally:
        await channel.aclose()
    [mail] = smtp.to("vanthu@xn--s-y-t-s61b1i.vn")
    assert str(mail["Subject"]) == "Nhắc hạn nộp"
