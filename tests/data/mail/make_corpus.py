"""Writes the reply corpus: messages shaped as real clients and servers write them, each
with its expected outcome in expected.json. Run once to regenerate
(`.venv/bin/python tests/data/mail/make_corpus.py`); the tests read only the files.

Shapes follow what the clients send: Gmail (multipart/alternative with a gmail_quote,
wrapped attributions, "Thư đã chuyển tiếp"), Outlook (Vietnamese and English header
blocks, TNEF winmail.dat, Windows-1258 quoted-printable, cid: signature images, RFC 2047
file names), Thunderbird (RFC 2231 file names, `>` quotes, replies below the quote),
Apple Mail (inline PDF between text parts, NFD names, blockquote type=cite), mobile
clients, forwarded messages attached as .eml, and the automatic answers of Exchange,
Zimbra (as Vietnamese government mail servers run it), Gmail and bounces.
"""

# ruff: noqa: E501, F403, F405

from __future__ import annotations

import json

from clients import build_clients
from shapes import *


def build_others() -> None:
    # --- forwarded as an attached message ------------------------------------------------------
    inner = (
        "From: Phòng KH <kh@thu.example>\r\nSubject: Báo cáo 6 tháng\r\nMIME-Version: 1.0\r\n"
        + multi(
            "mixed",
            plain("Báo cáo 99/BC-PKH gửi anh.\n"),
            file("Báo cáo PKH.pdf", "application/pdf", PDF),
        )
    )
    add(
        "forward-as-attachment.eml",
        head()
        + multi(
            "mixed",
            plain("Gửi báo cáo 36/BC-SYT (thư đính kèm).\n"),
            'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="Báo cáo 6 tháng.eml"\r\n\r\n'
            + inner,
        ),
        ok("36/BC-SYT", ["Báo cáo PKH.pdf"]),
    )
    inner = "From: Phòng KH <kh@thu.example>\r\nSubject: Trao đổi\r\nMIME-Version: 1.0\r\n" + plain(
        "Không có tệp.\n"
    )
    add(
        "forward-as-attachment-without-files.eml",
        head()
        + multi(
            "mixed",
            plain("Số 37/BC-SYT.\n"),
            'Content-Type: message/rfc822\r\nContent-Disposition: attachment; filename="Trao doi.eml"\r\n\r\n'
            + inner,
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok("37/BC-SYT", ["bc.pdf"], [["Trao doi.eml", "message_empty"]]),
    )

    # --- files that are not the report --------------------------------------------------------
    add(
        "small-image-and-pdf.eml",
        head()
        + multi(
            "mixed",
            plain("Số 38/BC-SYT.\n"),
            file("logo.png", "image/png", ICON),
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok("38/BC-SYT", ["bc.pdf"], [["logo.png", "small_image"]]),
    )
    add(
        "executable-and-pdf.eml",
        head()
        + multi(
            "mixed",
            plain("Số 39/BC-SYT.\n"),
            file("setup.exe", "application/octet-stream", EXE),
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok("39/BC-SYT", ["bc.pdf"], [["setup.exe", "file_type"]]),
    )
    add(
        "our-ics-comes-back.eml",
        head()
        + multi(
            "mixed",
            plain("Số 40/BC-SYT.\n"),
            file("han-nop.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"),
            file("bc.zip", "application/zip", ZIP),
        ),
        ok("40/BC-SYT", ["bc.zip"], [["han-nop.ics", "calendar"]]),
    )
    add(
        "same-file-twice.eml",
        head()
        + multi(
            "mixed",
            plain("Số 41/BC-SYT.\n"),
            file("bc.pdf", "application/pdf", PDF),
            file("bc.pdf", "application/octet-stream", PDF),
        ),
        ok("41/BC-SYT", ["bc.pdf"]),
    )
    add(
        "renamed-page-as-pdf.eml",
        head()
        + multi(
            "mixed",
            plain("Số 42/BC-SYT.\n"),
            file("bc.pdf", "application/pdf", b"<html>not a pdf</html>" * 100),
        ),
        ok("42/BC-SYT", [], [["bc.pdf", "file_type"]]),
    )

    # --- threading --------------------------------------------------------------------------------
    add(
        "edited-subject-in-reply-to.eml",
        head(subject="Re: Báo cáo 6 tháng của Sở Y tế")
        + multi(
            "mixed",
            plain(f"Số 43/BC-SYT.\n\n{GMAIL_EN}\n{quoted(REMINDER)}\n"),
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok("43/BC-SYT", ["bc.pdf"], threaded=True),
    )
    refs = f"<other-1@thu.example> {OURS} <other-2@thu.example>"
    add(
        "edited-subject-references.eml",
        head(
            subject="Báo cáo",
            in_reply_to=None,
            extra=f"In-Reply-To: <other-2@thu.example>\r\nReferences: {refs}\r\n",
        )
        + multi("mixed", plain("Số 44/BC-SYT.\n"), file("bc.pdf", "application/pdf", PDF)),
        ok("44/BC-SYT", ["bc.pdf"], threaded=True),
    )
    add(
        "edited-subject-foreign-thread.eml",
        head(subject="Báo cáo", in_reply_to="<someone@else.example>") + plain("Số 45/BC-SYT.\n"),
        held("no_token"),
    )
    add(
        "no-token-no-thread.eml",
        head(subject="Báo cáo 6 tháng", in_reply_to=None) + plain("Số 46/BC-SYT.\n"),
        held("no_token"),
    )
    add(
        "unknown-token.eml",
        head(subject="Re: Nhắc hạn nộp [HC-ZZZZZZZZZZ]", in_reply_to=None)
        + plain("Số 47/BC-SYT.\n"),
        held("unknown_token"),
    )
    add(
        "stranger.eml",
        head(sender="Kẻ lạ <ke.la@gmail.example>") + plain("Số 48/BC-SYT.\n"),
        held("not_focal_point"),
    )
    add(
        "stranger-threaded.eml",
        head(subject="Re: báo cáo", sender="ke.la@gmail.example") + plain("Số 49/BC-SYT.\n"),
        held("not_focal_point"),
    )

    # --- automatic answers ------------------------------------------------------------------------------
    ooo = "Tôi đang đi công tác đến hết ngày 05/12/2026. Việc gấp xin liên hệ 50/BC-SYT.\n"
    add(
        "ooo-vi-nfc-subject-only.eml",
        head(subject=f"Trả lời tự động: Re: {SUBJECT}") + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-vi-nfd-subject-only.eml",
        head(subject=unicodedata.normalize("NFD", f"Tự động trả lời: {SUBJECT}")) + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-vi-unaccented.eml",
        head(subject=f"Tra loi tu dong: {SUBJECT}") + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-vi-vang-mat.eml", head(subject=f"Vắng mặt: {SUBJECT}") + plain(ooo), held("auto_reply")
    )
    add(
        "ooo-vi-outlook.eml",
        head(subject=f"Trả lời Tự động: {SUBJECT}", extra="X-Auto-Response-Suppress: All\r\n")
        + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-exchange-en.eml",
        head(subject=f"Automatic reply: {SUBJECT}", extra="X-Auto-Response-Suppress: All\r\n")
        + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-zimbra-gov.eml",
        head(
            subject=f"Re: {SUBJECT}",
            extra="Auto-Submitted: auto-replied (zimbra; vacation)\r\nX-Mailer: Zimbra 8.8.15_GA_4508\r\n",
        )
        + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-zimbra-gov-subject.eml",
        head(subject=f"Thư trả lời tự động: {SUBJECT}", extra="X-Mailer: Zimbra 9.0\r\n")
        + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-gmail-vacation.eml",
        head(subject=f"Re: {SUBJECT}", extra="Auto-Submitted: auto-replied\r\nPrecedence: bulk\r\n")
        + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-out-of-office.eml",
        head(subject=f"Out of Office: {SUBJECT}", extra="X-Autoreply: yes\r\n") + plain(ooo),
        held("auto_reply"),
    )
    add(
        "ooo-no-token-threaded.eml",
        head(subject="Tự động trả lời: Báo cáo") + plain(ooo),
        held("auto_reply", threaded=True),
    )
    report = (
        "Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.thu.example\r\n\r\n"
        "Final-Recipient: rfc822; b@thu.example\r\nAction: failed\r\nStatus: 5.1.1\r\n"
    )
    add(
        "bounce-dsn.eml",
        head(
            subject=f"Undeliverable: {SUBJECT}",
            sender="MAILER-DAEMON@thu.example",
            extra="Return-Path: <>\r\n",
        )
        + multi("report", plain("Không gửi được thư.\n"), report).replace(
            "multipart/report;", "multipart/report; report-type=delivery-status;"
        ),
        held("auto_reply"),
    )


def main() -> None:
    build_clients()
    build_others()
    folder = HERE / "corpus"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.eml"):
        old.unlink()
    expected = {}
    for name, data, expect in messages:
        (folder / name).write_bytes(data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        expected[name] = expect
    (HERE / "expected.json").write_text(
        json.dumps(
            {"token": TOKEN, "ours": OURS, "messages": expected}, ensure_ascii=False, indent=1
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"{len(messages)} messages")


if __name__ == "__main__":
    main()
