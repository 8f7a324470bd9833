"""A reply as data: a pure function of the raw message, tested without any server.

What matters for matching: the Message-ID (so a mailbox read twice is applied once),
the sender's address, the deadline token in the subject (`[HC-XXXXXXXXXX]`), a document
number written in the new part of the body (`45/BC-UBND`), the attachments, and
whether it is an automatic answer (out-of-office replies must never count). For
authenticating the sender (`notifier.mailbox.authresults`): the domains of the From
addresses and the Authentication-Results headers exactly as received.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser

from notifier.mailbox.sender import NoSender, read_from
from notifier.tokens import find_token
from store.evidence import safe_name

DOCUMENT_NUMBER = re.compile(
    r"(?<![\w/])(\d{1,5}/(?:[A-ZĐ]{1,12})(?:-[A-ZĐ0-9]{1,15}){0,3})(?![\w/])"
)
"""Vietnamese official document numbers: 45/BC-UBND, 123/BC-SYT, 07/KH-BCĐ."""
QUOTE_STARTS = (
    re.compile(r"^>"),
    re.compile(r"^On .+ wrote:$"),
    re.compile(r"^Vào .+ đã viết:$"),
    re.compile(r"^-{2,} ?(Original|Forwarded|Thư gốc)", re.I),
    re.compile(r"^From: ", re.I),
)
AUTO_SUBJECTS = re.compile(
    r"^(auto(matic)? ?(reply|response)|out of office|tự động trả lời|vắng mặt)", re.I
)


@dataclass(frozen=True, slots=True)
class Part:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    ref: str
    """The Message-ID, or a hash of the message when it has none."""
    sender: str
    subject: str
    token: str | None
    document_number: str | None
    body: str
    attachments: tuple[Part, ...] = field(default_factory=tuple)
    automatic: bool = False
    from_domains: tuple[str, ...] = ()
    """The domain of the From address, when From names exactly one sender
    (`notifier.mailbox.sender`): the domain a DMARC check must speak for."""
    from_error: str = ""
    """Vietnamese: why From names nobody (then `sender` is empty and nothing matches)."""
    authentication: tuple[str, ...] = ()
    """The Authentication-Results values, top to bottom, as received: not RFC 2047-decoded
    (an encoded word must not spell the trusted authserv-id), folding kept."""


def _is_automatic(msg: EmailMessage) -> bool:
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if auto and auto != "no":
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond"):
        return True
    if str(msg.get("Precedence", "")).strip().lower() in ("bulk", "junk", "auto_reply", "list"):
        return True
    return bool(AUTO_SUBJECTS.match(str(msg.get("Subject", "")).strip()))


def new_text(body: str) -> str:
    """The part the sender wrote: everything before the quoted original."""
    lines = []
    for line in body.splitlines():
        if any(p.match(line.strip()) for p in QUOTE_STARTS):
            break
        lines.append(line)
    return "\n".join(lines).strip()


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    if part.get_content_type() == "text/html":
        text = re.sub(r"<(br|/p|/div)[^>]*>", "\n", text, flags=re.I)
        text = re.sub(r"<[^>]+>", "", text)
    return str(text)


def _raw_headers(raw: bytes, name: str) -> list[str]:
    """Raw header values: compat32 leaves encoded words and folding alone (the default
    policy would decode `=?us-ascii?q?mx=2Eexample?=` into `mx.example`)."""
    headers = BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
    return [str(v) for v in headers.get_all(name) or []]


def parse(raw: bytes) -> Reply:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    message_id = str(msg.get("Message-ID", "")).strip()
    ref = message_id or "sha256:" + hashlib.sha256(raw).hexdigest()
    subject = " ".join(str(msg.get("Subject", "")).split())
    who = read_from(_raw_headers(raw, "From"))
    body = new_text(_body(msg))
    number = DOCUMENT_NUMBER.search(body)
    attachments = []
    for part in msg.iter_attachments():
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes) or part.get_content_type() == "text/calendar":
            continue  # our own .ics coming back in a reply is not evidence
        attachments.append(
            Part(safe_name(part.get_filename() or "tệp"), part.get_content_type(), data)
        )
    return Reply(
        ref=ref,
        sender="" if isinstance(who, NoSender) else who.address,
        subject=subject,
        token=find_token(subject),
        document_number=number.group(1) if number else None,
        body=body,
        attachments=tuple(attachments),
        automatic=_is_automatic(msg),
        from_domains=() if isinstance(who, NoSender) else (who.domain,),
        from_error=who.reason if isinstance(who, NoSender) else "",
        authentication=tuple(_raw_headers(raw, "Authentication-Results")),
    )
