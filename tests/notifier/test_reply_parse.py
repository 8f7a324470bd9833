"""Reply parsing and judging are pure: tested on raw messages, no server."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from notifier.mailbox.apply import Target, judge
from notifier.mailbox.parse import parse
from store.enums import InboundOutcome

TOKEN = "ABCDEFGHJK"


def raw(
    subject: str = f"Re: Nhắc hạn nộp: Báo cáo 6 tháng [HC-{TOKEN}]",
    body: str = "Đơn vị đã nộp, số 45/BC-SYT.\n",
    sender: str = "Trần Văn A <A@thu.example>",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] | None = None,
    message_id: str | None = "<reply-1@thu.example>",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "hanchot@tinh-thu.example"
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for name, ctype, data in attachments or []:
        main, sub = ctype.split("/")
        msg.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return msg.as_bytes()


@pytest.mark.parametrize(
    ("subject", "token"),
    [
        (f"Re: Nhắc hạn nộp [HC-{TOKEN}]", TOKEN),
        (f"RE: Fwd: TL: nhắc [hc-{TOKEN.lower()}]", TOKEN),
        ("Re: Nhắc hạn nộp", None),
        ("Re: [HC-SHORT]", None),
    ],
)
def test_the_token_is_found_in_any_reply_subject(subject: str, token: str | None) -> None:
    assert parse(raw(subject=subject)).token == token


@pytest.mark.parametrize(
    ("body", "number"),
    [
        ("Đã gửi báo cáo số 45/BC-SYT ngày 10/6.", "45/BC-SYT"),
        ("Kính gửi,\nBáo cáo 123/BC-UBND đã gửi qua VNPT-iOffice.", "123/BC-UBND"),
        ("Số 07/KH-BCĐ kèm theo.", "07/KH-BCĐ"),
        ("Đã nộp bản giấy.\n\nVào 10/06/2031 hanchot đã viết:\n> số 99/BC-CU", None),
        ("Đã nộp.\n> 45/BC-SYT", None),
    ],
)
def test_the_document_number_comes_from_what_the_sender_wrote(
    body: str, number: str | None
) -> None:
    assert parse(raw(body=body)).document_number == number


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
    ],
)
def test_automatic_answers_are_recognised(headers: dict[str, str]) -> None:
    assert parse(raw(headers=headers)).automatic
    assert not parse(raw()).automatic
    assert parse(raw(subject=f"Tự động trả lời: vắng mặt [HC-{TOKEN}]")).automatic


def test_attachments_are_evidence_except_our_own_calendar_event() -> None:
    reply = parse(
        raw(
            attachments=[
                ("báo cáo 6 tháng.pdf", "application/pdf", b"%PDF-1.4 ..."),
                ("han-nop.ics", "text/calendar", b"BEGIN:VCALENDAR"),
            ]
        )
    )
    assert [(a.file_name, a.content_type) for a in reply.attachments] == [
        ("báo cáo 6 tháng.pdf", "application/pdf")
    ]
    assert reply.sender == "a@thu.example" and reply.ref == "<reply-1@thu.example>"


def test_a_message_without_an_id_is_named_by_its_content() -> None:
    one, two = parse(raw(message_id=None)), parse(raw(message_id=None, body="khác"))
    assert one.ref.startswith("sha256:") and one.ref != two.ref


TARGET = Target(
    deadline_id=1,
    workflow_id="deadline/c/o/2031-H1/unit-a",
    calendar_key="c",
    obligation_key="o",
    unit_name="Sở Y tế",
    obligation_name="Báo cáo",
    period_label="6 tháng",
    focal_points={"a@thu.example": (2, "fp-a")},
)


@pytest.mark.parametrize(
    ("message", "target", "outcome", "reason"),
    [
        (raw(), TARGET, InboundOutcome.APPLIED, ""),
        (raw(sender="b@thu.example"), TARGET, InboundOutcome.QUARANTINED, "không phải đầu mối"),
        (raw(subject="Re: Nhắc hạn nộp"), None, InboundOutcome.QUARANTINED, "không có mã"),
        (raw(), None, InboundOutcome.QUARANTINED, "không khớp"),
        (
            raw(headers={"Auto-Submitted": "auto-replied"}),
            TARGET,
            InboundOutcome.QUARANTINED,
            "tự động",
        ),
    ],
    ids=["contact", "stranger", "no-token", "unknown-token", "auto-reply"],
)
def test_only_the_units_contact_with_a_real_token_counts(
    message: bytes, target: Target | None, outcome: InboundOutcome, reason: str
) -> None:
    verdict = judge(parse(message), target)
    assert verdict.outcome is outcome
    assert reason in verdict.reason
    if outcome is InboundOutcome.APPLIED:
        assert verdict.person == (2, "fp-a")
