"""An `Outgoing` as a MIME message: plain text and HTML alternatives, attachments
(the `.ics` event), and a Message-ID fixed by the outbox row.

`render` writes the message's SMTP bytes directly: the email package parses every
header when it is set and parses it again to fold it when the message is flattened,
which was most of the CPU of sending a reminder. The output is always 7-bit (headers as
RFC 2047 encoded words, bodies base64 or quoted-printable, whichever is shorter), so it
needs no 8BITMIME. What it does not write (a non-ASCII address or file name, a header
with a line break) it leaves to `build`, the email package's message, which is also the
reference `tests/notifier/test_message_equivalence.py` compares `render` with.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import secrets
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import idna

from notifier.base import Attachment, Outgoing, TransportError
from notifier.ics import CONTENT_TYPE as ICS_TYPE
from notifier.ics import METHOD

MAX_LINE = 78
"""Octets per line the email package keeps to before encoding a body (RFC 5322's
SHOULD), and per header line here."""
LONG_WORD = MAX_LINE - 2
"""A word longer than this cannot be folded onto a line of its own: written as encoded
words, which can (a header line may never pass 998 octets, RFC 5322 §2.1.1)."""
LINE_LIMIT = 998
WORD_OCTETS = 39
"""UTF-8 octets per encoded word: 52 base64 characters, a 64-character word, so a
folded header line stays under 78."""
SPECIALS = set('()<>[]:;@\\,."')


def sender_domain(sender: str) -> str:
    """The domain of our Message-IDs: the sender's, in ASCII (IDNA) as a Message-ID
    must be."""
    address = parseaddr(sender)[1]
    domain = address.rsplit("@", 1)[-1] if "@" in address else "hanchot.local"
    try:
        return domain if domain.isascii() else ascii_domain(domain, sender)
    except TransportError:
        return "hanchot.local"


def check_address(address: str) -> str:
    """The address if it can be an SMTP recipient, its domain in ASCII (IDNA: a server
    cannot route `sở-y-tế.vn`, it routes `xn--s-y-t-…`); a permanent address error if
    not (no point asking a server about `nguyen.van.a`, `a@b@c` or `a@-.vn`)."""
    _display, addr = parseaddr(address)
    local, _, domain = addr.rpartition("@")
    if not local or not domain or "@" in local or " " in addr or "." not in domain:
        raise TransportError(f"not an email address: {address!r}", address=True)
    if not domain.isascii():
        domain = ascii_domain(domain, address)
        addr = f"{local}@{domain}"
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise TransportError(f"not an email address: {address!r} ({exc})", address=True) from None
    return addr


def ascii_domain(domain: str, address: str) -> str:
    """The IDNA (UTS #46) A-label form of a non-ASCII domain."""
    try:
        return str(idna.encode(domain, uts46=True).decode("ascii"))
    except idna.IDNAError as exc:
        raise TransportError(f"not an email address: {address!r} ({exc})", address=True) from None


def build(message: Outgoing, sender: str, now: datetime | None = None) -> EmailMessage:
    """The message as the email package builds it (the path for what `render` does
    not write, and the reference it is tested against)."""
    msg = EmailMessage()
    msg["From"] = _breakable(sender)
    msg["To"] = check_address(message.address)
    msg["Subject"] = message.subject
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    if message.message_id:
        msg["Message-ID"] = message.message_id
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    for name, value in message.headers.items():
        msg[name] = value
    msg.set_content(message.text, charset="utf-8")
    if message.html:
        msg.add_alternative(message.html, subtype="html", charset="utf-8")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        params = {}
        if attachment.content_type == "text/calendar":
            params = {"charset": "utf-8", "method": METHOD}  # as the .ics says (ics.py)
        msg.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.file_name,
            params=params,
        )
    return msg


def _breakable(sender: str) -> str:
    """`sender` with a display name's overlong ASCII words cut by spaces: the email
    package neither folds nor encodes them, and a From line over 998 octets is refused.
    (`render`, the usual path, encodes them instead.)"""
    name, addr = parseaddr(sender)
    if not name or all(len(word) <= LONG_WORD for word in name.split()):
        return sender
    return formataddr((re.sub(rf"(\S{{{LONG_WORD}}})(?=\S)", r"\1 ", name), addr))


def envelope_sender(sender: str) -> str:
    """The SMTP MAIL FROM of `sender` (its address, as aiosmtplib takes it from From)."""
    return parseaddr(sender)[1]


def render(message: Outgoing, sender: str, now: datetime | None = None) -> bytes | None:
    """The message as SMTP DATA (CRLF, 7-bit), or None when `build` must make it."""
    address = check_address(message.address)
    from_line = _from_header(sender)
    extra = [(name, value) for name, value in message.headers.items()]
    values = [message.subject, address, *(v for _n, v in extra), message.message_id or ""]
    if (
        from_line is None
        or not address.isascii()
        or any("\r" in v or "\n" in v for v in values)
        or not all(_token(name) for name, _v in extra)
        or not _plain(message.message_id or "")
    ):
        return None
    parts = [_text("plain", message.text)]
    if message.html:
        parts.append(_text("html", message.html))
    body = parts[0] if len(parts) == 1 else _multipart("alternative", parts)
    if message.attachments:
        files = [_attachment(a) for a in message.attachments]
        if any(f is None for f in files):
            return None
        body = _multipart("mixed", [body, *(f for f in files if f is not None)])
    head = [
        from_line,
        f"To: {address}",
        _unstructured("Subject", message.subject),
        f"Date: {format_datetime(now or datetime.now(UTC))}",
    ]
    if message.message_id:
        head.append(f"Message-ID: {message.message_id}")
    head += ["Auto-Submitted: auto-generated", "X-Auto-Response-Suppress: All"]
    head += [_unstructured(name, value) for name, value in extra]
    head.append("MIME-Version: 1.0")
    return ("\r\n".join(head) + "\r\n").encode("ascii") + body


# --- headers -------------------------------------------------------------------------


def _token(name: str) -> bool:
    return (
        bool(name) and name.isascii() and name.isprintable() and ":" not in name and " " not in name
    )


@functools.lru_cache(maxsize=8)
def _from_header(sender: str) -> str | None:
    name, addr = parseaddr(sender)
    if "@" not in addr or not addr.isascii() or any(c in sender for c in "\r\n"):
        return None
    if not name:
        return f"From: {addr}"
    if not _plain(name) or len(name) > LONG_WORD:
        return _folded("From", [*_encoded_words(name), f"<{addr}>"])
    if any(c in SPECIALS for c in name):
        name = '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"From: {name} <{addr}>"


def _unstructured(name: str, value: str) -> str:
    """`Name: value` folded between words when long; the span from the first to the
    last word that is not plain ASCII as encoded words (plain words around it, like a
    subject's `[HC-...]` tag, stay readable as they are, as the email package leaves
    them)."""
    words = value.split(" ")
    plain = [_plain(word) and len(word) <= LONG_WORD for word in words]
    line = len(name) + 2 + len(value)
    if all(plain) and (line <= MAX_LINE or ("" in words and line <= LINE_LIMIT)):
        return f"{name}: {value}"  # short, or spacing that folding would change
    if all(plain) and "" not in words:
        return _folded(name, words)
    if "" in words or not value.isprintable():
        words = _encoded_words(value)  # odd spacing or controls: all of it encoded
    else:  # from the first to the last word that is not plain or too long
        first = plain.index(False)
        last = len(words) - plain[::-1].index(False)
        words = [*words[:first], *_encoded_words(" ".join(words[first:last])), *words[last:]]
    return _folded(name, words)


def _folded(name: str, words: list[str]) -> str:
    """`Name: words` in lines of MAX_LINE, each fold replacing one space."""
    lines = [f"{name}:"]
    for word in words:
        if len(lines[-1]) + 1 + len(word) > MAX_LINE and lines[-1] != f"{name}:":
            lines.append("")
        lines[-1] += " " + word
    return "\r\n".join(lines)


def _encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 words of at most WORD_OCTETS octets, cut between characters."""
    data = text.encode("utf-8")
    words = []
    start = 0
    while start < len(data):
        cut = min(start + WORD_OCTETS, len(data))
        while cut < len(data) and data[cut] & 0xC0 == 0x80:
            cut -= 1
        words.append(f"=?utf-8?b?{base64.b64encode(data[start:cut]).decode('ascii')}?=")
        start = cut
    return words


def _plain(value: str) -> bool:
    """Printable ASCII that cannot be read as an encoded word: written as it is."""
    return value.isascii() and value.isprintable() and "=?" not in value


def _fws(width: int) -> str:
    """A parameter's separator: a fold when the line would pass MAX_LINE."""
    return "\r\n " if width > MAX_LINE else " "


# --- bodies --------------------------------------------------------------------------


def _text(subtype: str, content: str) -> bytes:
    """A text part as `set_content(content, subtype=..., charset="utf-8")` makes it:
    lines ended by newlines, 7bit when ASCII in short lines, else the shorter of
    base64 and quoted-printable."""
    lines = content.encode("utf-8").splitlines()
    data = b"\n".join(lines) + b"\n"
    head = f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: '
    if data.isascii() and max(map(len, lines), default=0) <= MAX_LINE:
        return (head + "7bit\r\n\r\n").encode("ascii") + data.replace(b"\n", b"\r\n")
    b64 = base64.encodebytes(data)
    qp = binascii.b2a_qp(data, istext=True)
    if len(qp) < len(b64):
        return (head + "quoted-printable\r\n\r\n").encode("ascii") + qp.replace(b"\n", b"\r\n")
    return (head + "base64\r\n\r\n").encode("ascii") + b64.replace(b"\n", b"\r\n")


def _attachment(attachment: Attachment) -> bytes | None:
    name = attachment.file_name
    maintype, _, subtype = attachment.content_type.partition("/")
    if not (name.isascii() and name.isprintable()) or any(c in name for c in '"\\'):
        return None
    if not (maintype.isascii() and maintype.isalnum() and _token(subtype or "x")):
        return None
    content_type = f"{maintype}/{subtype or 'octet-stream'}"
    if attachment.content_type == "text/calendar":
        content_type = ICS_TYPE
    head = (
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment;{_fws(len(name) + 32)}filename="{name}"\r\n\r\n'
    )
    return head.encode("ascii") + base64.encodebytes(attachment.data).replace(b"\n", b"\r\n")


def _multipart(subtype: str, parts: list[bytes]) -> bytes:
    while True:
        boundary = f"=_{secrets.token_hex(16)}".encode("ascii")
        if not any(boundary in part for part in parts):  # QP and base64 never hold "=_"
            break
    delimiter = b"--" + boundary + b"\r\n"
    return b"".join(
        [
            f"Content-Type: multipart/{subtype};\r\n boundary=".encode("ascii")
            + b'"'
            + boundary
            + b'"\r\n\r\n',
            *(delimiter + part + b"\r\n" for part in parts),
            b"--" + boundary + b"--\r\n",
        ]
    )
