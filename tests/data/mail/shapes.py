"""Shapes of the reply corpus: headers, parts and Outlook's TNEF as real clients write
them, the texts they quote, and the list the corpus is collected in (`add`). Used by
make_corpus.py (run it to regenerate the corpus); the tests read only the files.
"""

# ruff: noqa: E501, SIM108

from __future__ import annotations

import base64
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
