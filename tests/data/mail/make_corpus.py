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

# ruff: noqa: E501, SIM108

from __future__ import annotations

import base64
import json
import quopri
import struct
import unicodedata
from email import policy
from pathlib import Path

HERE = Path(__file__).parent
TOKEN = "ABCDEFGHJK"
OURS = "<5f2a9c0d4e1b7a6c8d9e0f1a2b3c4d5e@tinh-thu.example>"
FOCAL = "Trần Văn A <a@thu.example>"
SYSTEM = "Hệ thống hạn chót <hanchot@tinh-thu.example>"
SUBJECT = f"Nhắc hạn nộp: Báo cáo 6 tháng [HC-{TOKEN}]"
REMINDER = (
    "Kính gửi Sở Y tế,\n"
    "Thực hiện Kế hoạch số 45/KH-UBND, đề nghị đơn vị nộp Báo cáo 6 tháng\n"
    "trước 17:00 ngày 15/12/2026. Mã: [HC-ABCDEFGHJK]\n"
)
PDF = b"%PDF-1.7\n" + b"bao cao 6 thang " * 400 + b"\n%%EOF\n"
DOCX = b"PK\x03\x04" + b"word/document.xml" * 300
XLSX = b"PK\x03\x04" + b"xl/workbook.xml" * 300
ZIP = b"PK\x03\x04" + b"bao-cao/" * 300
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 200
LOGO = b"\x89PNG\r\n\x1a\n" + b"\x00logo" * 500
ICON = b"\x89PNG\r\n\x1a\n" + b"\x00icon" * 300
EXE = b"MZ\x90\x00" + b"\x00" * 4000

messages: list[tuple[str, bytes, dict[str, object]]] = []
_boundaries = 0


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")


def head(
    subject: str = f"Re: {SUBJECT}",
    sender: str = FOCAL,
    mid: str = "",
    extra: str = "",
    in_reply_to: str | None = OURS,
) -> str:
    lines = [
        encoded("From", sender),
        encoded("To", SYSTEM),
        encoded("Subject", subject),
        "Date: Tue, 02 Dec 2026 09:15:00 +0700",
        f"Message-ID: <{mid or len(messages)}-corpus@thu.example>",
        "MIME-Version: 1.0",
    ]
    if in_reply_to:
        lines += [f"In-Reply-To: {in_reply_to}", f"References: {in_reply_to}"]
    return "\r\n".join(lines) + "\r\n" + extra


def encoded(name: str, value: str) -> str:
    """A header as clients send it: non-ASCII words as RFC 2047 encoded words."""
    return policy.SMTP.header_factory(name, value).fold(policy=policy.SMTP).rstrip("\r\n")


def plain(text: str, charset: str = "utf-8", cte: str = "base64") -> str:
    data = cp1258(text) if charset == "windows-1258" else text.encode(charset)
    if cte == "quoted-printable":
        body = quopri.encodestring(data).decode("ascii")
    else:
        body = b64(data)
    return f'Content-Type: text/plain; charset="{charset}"\r\nContent-Transfer-Encoding: {cte}\r\n\r\n{body}'


def cp1258(text: str) -> bytes:
    """Windows-1258 as Outlook writes it: base letters precomposed, tones combining."""
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        marks = unicodedata.normalize("NFD", ch)
        kept = "".join(m for m in marks[1:] if m in "\u0302\u0306\u031b")
        tones = "".join(m for m in marks[1:] if m not in "\u0302\u0306\u031b")
        out += (unicodedata.normalize("NFC", marks[0] + kept) + tones).encode("cp1258")
    return out


def html(markup: str) -> str:
    return (
        'Content-Type: text/html; charset="utf-8"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
        + b64(markup.encode())
    )


def file(
    name: str,
    ctype: str,
    data: bytes,
    disposition: str = "attachment",
    cid: str = "",
    style: str = "2231",
) -> str:
    if name.isascii():
        param = f'filename="{name}"'
    elif style == "2047":
        param = f'filename="=?utf-8?B?{base64.b64encode(name.encode()).decode()}?="'
    else:
        from urllib.parse import quote

        param = f"filename*=utf-8''{quote(name.encode())}"
    lines = [
        f"Content-Type: {ctype}",
        "Content-Transfer-Encoding: base64",
        f"Content-Disposition: {disposition}; {param}",
    ]
    if cid:
        lines.append(f"Content-ID: <{cid}>")
    return "\r\n".join(lines) + "\r\n\r\n" + b64(data)


def multi(kind: str, *parts: str, boundary: str = "") -> str:
    global _boundaries
    _boundaries += 1
    b = boundary or f"----=_Part_{len(messages)}_{_boundaries}"
    out = f'Content-Type: multipart/{kind}; boundary="{b}"\r\n\r\n'
    for part in parts:
        out += f"--{b}\r\n{part}\r\n"
    return out + f"--{b}--\r\n"


def quoted(text: str) -> str:
    return "\n".join("> " + line for line in text.splitlines())


def add(name: str, raw: str | bytes, expect: dict[str, object]) -> None:
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    messages.append((name, data, expect))


def ok(
    number: str | None, taken: list[str], left: list[list[str]] | None = None, **more: object
) -> dict[str, object]:
    return {
        "outcome": "applied",
        "why": "",
        "number": number,
        "taken": taken,
        "left": left or [],
        **more,
    }


def held(why: str, **more: object) -> dict[str, object]:
    return {"outcome": "quarantined", "why": why, **more}


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A minimal TNEF stream as Outlook writes it: version, codepage, then per file the
    rendering data, title and data attributes (level 2)."""

    def attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
        checksum = sum(data) & 0xFFFF
        return (
            struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)
        )

    out = struct.pack("<IH", 0x223E9F78, 0x1234)
    out += attribute(1, 0x9006, 0x0008, struct.pack("<I", 0x10000))
    out += attribute(1, 0x9007, 0x0008, struct.pack("<II", 1258, 0))
    out += attribute(1, 0x8008, 0x0007, b"IPM.Microsoft Mail.Note\x00")
    for name, data in files:
        out += attribute(2, 0x9002, 0x0006, b"\x01\x00" + b"\x00" * 12)
        out += attribute(2, 0x8010, 0x0001, name.encode("cp1258") + b"\x00")
        out += attribute(2, 0x800F, 0x0006, data)
    return out


GMAIL_EN = "On Mon, Dec 1, 2026 at 8:00 AM Hệ thống hạn chót <\nhanchot@tinh-thu.example> wrote:"
GMAIL_VI = "Vào Th 2, 1 thg 12, 2026 vào lúc 08:00 Hệ thống hạn chót <\nhanchot@tinh-thu.example> đã\nviết:"
OUTLOOK_VI = (
    "Từ: Hệ thống hạn chót <hanchot@tinh-thu.example>\nĐã gửi: Thứ Hai, 01/12/2026 08:00\n"
    "Đến: Trần Văn A <a@thu.example>\nChủ đề: " + SUBJECT
)
OUTLOOK_EN = (
    "From: Hệ thống hạn chót <hanchot@tinh-thu.example>\nSent: Monday, December 1, 2026 8:00 AM\n"
    "To: Trần Văn A <a@thu.example>\nSubject: " + SUBJECT
)


def build() -> None:
    # --- Gmail ---------------------------------------------------------------------
    text = (
        f"Kính gửi Văn phòng,\nĐơn vị gửi Báo cáo số 12/BC-SYT.\n\n{GMAIL_EN}\n{quoted(REMINDER)}\n"
    )
    markup = (
        '<div dir="ltr">Kính gửi Văn phòng,<br>Đơn vị gửi Báo cáo số 12/BC-SYT.</div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Dec 1, 2026 at 8:00 AM '
        'Hệ thống hạn chót wrote:<br></div><blockquote class="gmail_quote">'
        + REMINDER.replace("\n", "<br>")
        + "</blockquote></div>"
    )
    add(
        "gmail-en-reply-pdf.eml",
        head()
        + multi(
            "mixed",
            multi("alternative", plain(text), html(markup)),
            file("Báo cáo 6 tháng.pdf", "application/pdf", PDF),
        ),
        ok("12/BC-SYT", ["Báo cáo 6 tháng.pdf"]),
    )
    text = f"Đơn vị xin gửi báo cáo 13/BC-SYT ạ.\n\n{GMAIL_VI}\n\n{quoted(REMINDER)}\n"
    add(
        "gmail-vi-wrapped-attribution.eml",
        head()
        + multi(
            "mixed",
            plain(text),
            file(
                "bao-cao.docx",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                DOCX,
            ),
        ),
        ok("13/BC-SYT", ["bao-cao.docx"]),
    )
    text = (
        "Gửi lại báo cáo 14/BC-SYT theo thư dưới.\n\n---------- Thư đã chuyển tiếp ---------\n"
        f"Từ: {SYSTEM}\nDate: Th 2, 1 thg 12, 2026 lúc 08:00\nSubject: {SUBJECT}\n"
        f"To: {FOCAL}\n\n{REMINDER}"
    )
    add(
        "gmail-vi-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi("mixed", plain(text), file("báo cáo.pdf", "application/pdf", PDF)),
        ok("14/BC-SYT", ["báo cáo.pdf"]),
    )
    text = (
        "Please find attached report 15/BC-SYT.\n\n---------- Forwarded message ---------\n"
        f"From: {SYSTEM}\nDate: Mon, Dec 1, 2026 at 8:00 AM\nSubject: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "gmail-en-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi("mixed", plain(text), file("report.pdf", "application/pdf", PDF)),
        ok("15/BC-SYT", ["report.pdf"]),
    )
    text = f"{GMAIL_EN}\n{quoted(REMINDER)}\n\nĐã nộp, số 20/BC-SYT.\n"
    add(
        "gmail-below-the-quote.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("20/BC-SYT", ["bc.pdf"]),
    )
    text = f"Em gửi báo cáo ạ.\n\n{GMAIL_EN}\n{quoted(REMINDER)}\n"
    add(
        "gmail-without-a-number.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok(None, ["bc.pdf"]),
    )

    # --- Outlook ---------------------------------------------------------------------
    text = f"Kính gửi,\nSở Y tế gửi báo cáo số 21/BC-SYT.\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-cp1258.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text, "windows-1258", "quoted-printable"),
            file("winmail.dat", "application/ms-tnef", tnef([("Báo cáo 6 tháng.pdf", PDF)])),
        ),
        ok("21/BC-SYT", ["Báo cáo 6 tháng.pdf"]),
    )
    text = f"Dear Office,\nReport 22/BC-SYT attached.\n\n-----Original Message-----\n{OUTLOOK_EN}\n\n{REMINDER}"
    markup = (
        '<p>Dear Office,<br>Report 22/BC-SYT attached.</p><p><img src="cid:image001.png@01DB1234.5678">'
        '</p><div id="divRplyFwdMsg">' + OUTLOOK_EN.replace("\n", "<br>") + "</div>" + REMINDER
    )
    add(
        "outlook-en-signature-logo.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi(
            "mixed",
            multi(
                "alternative",
                plain(text),
                multi(
                    "related",
                    html(markup),
                    file(
                        "image001.png",
                        "image/png",
                        LOGO + b"\x00" * 30000,
                        "inline",
                        "image001.png@01DB1234.5678",
                    ),
                ),
            ),
            file("BC 6T.pdf", "application/pdf", PDF),
        ),
        ok("22/BC-SYT", ["BC 6T.pdf"], [["image001.png", "signature_image"]]),
    )
    text = f"Gửi báo cáo 23/BC-SYT.\n\n________________________________\n{OUTLOOK_EN}\n\n{REMINDER}"
    add(
        "outlook-en-underscores.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file(
                "Báo cáo.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                XLSX,
                style="2047",
            ),
        ),
        ok("23/BC-SYT", ["Báo cáo.xlsx"]),
    )
    markup = (
        '<div>Đơn vị gửi báo cáo số 24/BC-SYT.</div><hr><div id="divRplyFwdMsg"><b>Từ:</b> '
        "Hệ thống hạn chót<br><b>Đã gửi:</b> Thứ Hai, 01/12/2026 08:00<br><b>Chủ đề:</b> "
        + SUBJECT
        + "</div><div>"
        + REMINDER.replace("\n", "<br>")
        + "</div>"
    )
    add(
        "outlook-vi-html-only.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed", html(markup), file("Báo cáo tháng.pdf", "application/pdf", PDF, style="2047")
        ),
        ok("24/BC-SYT", ["Báo cáo tháng.pdf"]),
    )
    text = f"Gửi báo cáo 25/BC-SYT\n\nFrom: {SYSTEM} Sent: Monday, December 1, 2026 8:00:00 AM To: {FOCAL} Subject: {SUBJECT}\n\n{REMINDER}"
    add(
        "outlook-mobile-one-line-header.eml",
        head(subject=f"RE: {SUBJECT}")
        + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("25/BC-SYT", ["bc.pdf"]),
    )
    text = f"Báo cáo kèm theo.\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-without-files.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file("winmail.dat", "application/ms-tnef", tnef([])),
            file("bc.pdf", "application/pdf", PDF),
        ),
        ok(None, ["bc.pdf"], [["winmail.dat", "tnef_empty"]]),
    )
    text = f"Gửi 26/BC-SYT\n\n{OUTLOOK_VI}\n\n{REMINDER}"
    add(
        "outlook-vi-tnef-two-files.eml",
        head(subject=f"TL: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file(
                "winmail.dat",
                "application/ms-tnef",
                tnef([("Bao cao.pdf", PDF), ("Phu luc.xlsx", XLSX)]),
            ),
        ),
        ok("26/BC-SYT", ["Bao cao.pdf", "Phu luc.xlsx"]),
    )

    # --- Thunderbird ---------------------------------------------------------------------
    text = f"Gửi báo cáo 27/BC-SYT.\n\nOn 01/12/2026 08:00, Hệ thống hạn chót wrote:\n{quoted(REMINDER)}\n"
    add(
        "thunderbird-en-rfc2231-name.eml",
        head()
        + multi(
            "mixed",
            plain(text),
            file("Báo cáo sáu tháng đầu năm 2026 của Sở Y tế.pdf", "application/pdf", PDF),
        ),
        ok("27/BC-SYT", ["Báo cáo sáu tháng đầu năm 2026 của Sở Y tế.pdf"]),
    )
    text = (
        f"Vào 01/12/2026 08:00, Hệ thống hạn chót đã viết:\n{quoted(REMINDER)}\n\nSố 28/BC-SYT ạ.\n"
    )
    add(
        "thunderbird-vi-below.eml",
        head()
        + multi(
            "mixed", plain(text), file("bc.odt", "application/vnd.oasis.opendocument.text", ZIP)
        ),
        ok("28/BC-SYT", ["bc.odt"]),
    )
    text = f"Vào 01/12/2026 08:00, Hệ thống hạn chót đã viết:\n{quoted(REMINDER)}\n"
    add(
        "thunderbird-vi-nothing-written.eml",
        head()
        + multi(
            "mixed", plain("Báo cáo gửi kèm.\n\n" + text), file("bc.pdf", "application/pdf", PDF)
        ),
        ok(None, ["bc.pdf"]),
    )

    # --- Apple Mail ----------------------------------------------------------------------
    nfd = unicodedata.normalize("NFD", "Báo cáo Sở Y tế.pdf")
    markup = (
        '<html><body><div>Gửi báo cáo 29/BC-SYT.</div><div><br><blockquote type="cite">'
        + REMINDER.replace("\n", "<br>")
        + "</blockquote></div></body></html>"
    )
    add(
        "apple-mail-inline-pdf.eml",
        head()
        + multi(
            "alternative",
            plain("Gửi báo cáo 29/BC-SYT.\n\n" + quoted(REMINDER)),
            multi(
                "mixed",
                html("<div>Gửi báo cáo 29/BC-SYT.</div>"),
                file(nfd, "application/pdf", PDF, "inline"),
                html(markup),
            ),
        ),
        ok("29/BC-SYT", [unicodedata.normalize("NFC", nfd)]),
    )
    text = (
        f"Gửi 30/BC-SYT.\n\nVào 08:00, ngày 1 thg 12, 2026, Hệ thống hạn chót <hanchot@tinh-thu.example> "
        f"đã viết:\n\n{quoted(REMINDER)}\n"
    )
    add(
        "apple-mail-vi.eml",
        head() + multi("mixed", plain(text), file("BC.pdf", "application/pdf", PDF, "inline")),
        ok("30/BC-SYT", ["BC.pdf"]),
    )
    text = (
        f"Chuyển báo cáo 31/BC-SYT.\n\nBegin forwarded message:\n\nFrom: {SYSTEM}\nSubject: {SUBJECT}\n"
        f"Date: December 1, 2026 at 08:00:00 GMT+7\n\n{REMINDER}"
    )
    add(
        "apple-mail-forward.eml",
        head(subject=f"Fwd: {SUBJECT}")
        + multi(
            "mixed",
            plain(text),
            file("Untitled attachment 00012", "application/pdf", PDF, "inline"),
        ),
        ok("31/BC-SYT", ["Untitled attachment 00012.pdf"]),
    )

    # --- mobile ---------------------------------------------------------------------------
    text = (
        f"Số 32/BC-SYT\n\nSent from my iPhone\n\nOn Dec 1, 2026, at 08:00, Hệ thống hạn chót "
        f"<hanchot@tinh-thu.example> wrote:\n\n{quoted(REMINDER)}\n"
    )
    add(
        "iphone-photo.eml",
        head() + multi("mixed", plain(text), file("IMG_0412.jpeg", "image/jpeg", JPEG, "inline")),
        ok("32/BC-SYT", ["IMG_0412.jpeg"]),
    )
    text = f"Số 33/BC-SYT\n\n{GMAIL_VI}\n\n{quoted(REMINDER)}\n"
    add(
        "android-gmail-photo.eml",
        head() + multi("mixed", plain(text), file("IMG_20261202_091500.jpg", "image/jpeg", JPEG)),
        ok("33/BC-SYT", ["IMG_20261202_091500.jpg"]),
    )
    text = (
        f"Gửi bc 34/BC-SYT\n\nGửi từ điện thoại Samsung Galaxy\n\n-------- Thư gốc --------\nTừ: {SYSTEM}\n"
        f"Ngày: 01/12/2026 08:00 (GMT+07:00)\nĐến: {FOCAL}\nChủ đề: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "samsung-email-vi.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("34/BC-SYT", ["bc.pdf"]),
    )
    text = (
        f"Report 35/BC-SYT\n\n-------- Original message --------\nFrom: {SYSTEM}\nDate: 12/1/26 08:00 (GMT+07:00)\n"
        f"To: {FOCAL}\nSubject: {SUBJECT}\n\n{REMINDER}"
    )
    add(
        "samsung-email-en.eml",
        head() + multi("mixed", plain(text), file("bc.pdf", "application/pdf", PDF)),
        ok("35/BC-SYT", ["bc.pdf"]),
    )

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
    build()
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
