"""A reply as data: a pure function of the raw message, tested without any server.

What matters for matching: the Message-ID (so a mailbox read twice is applied once),
the sender's address, the deadline token in the subject (`[HC-XXXXXXXXXX]`), a document
number written in the new part of the body (`45/BC-UBND`, `quotes`), the files taken
and those left with the reason (`attachments`), the Message-IDs it answers (a reply that
lost its token), and whether it is an automatic answer (`autoreply`: out-of-office
replies must never count). For
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

from notifier.mailbox.attachments import Left, Part, collect
from notifier.mailbox.autoreply import why_automatic
from notifier.mailbox.quotes import html_text, new_text
from notifier.mailbox.sender import NoSender, read_from
from notifier.tokens import find_token

DOCUMENT_NUMBER = re.compile(
    r"(?<![\w/])(\d{1,5}/(?:[A-ZĐ]{1,12})(?:-[A-ZĐ0-9]{1,15}){0,3})(?![\w/])"
)
"""Vietnamese official document numbers: 45/BC-UBND, 123/BC-SYT, 07/KH-BCĐ."""
MESSAGE_ID = re.compile(r"<([^<>\s@]{1,200}@[^<>\s@]{1,200})>")


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
    left: tuple[Left, ...] = ()
    """Files found and not taken as the report, each with why (`attachments`)."""
    thread: tuple[str, ...] = ()
    """Message-IDs of In-Reply-To and References, nearest first: a reply whose token
    was removed from the subject is still matched through our own Message-ID."""
    automatic_why: str = ""
    """The header (or `Subject`) that marks the message automatic."""


def _body(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, ValueError):
        text = part.get_payload(decode=True).decode("utf-8", "replace")  # type: ignore[union-attr]
    if part.get_content_type() == "text/html":
        text = html_text(str(text))
    return str(text)


def _thread(msg: EmailMessage) -> tuple[str, ...]:
    """Message-IDs this message answers: In-Reply-To first, then References newest first."""
    ids: list[str] = []
    for name in ("In-Reply-To", "References"):
        found = MESSAGE_ID.findall(str(msg.get(name, "")))
        ids += [f"<{i}>" for i in (found if name == "In-Reply-To" else found[::-1])]
    return tuple(dict.fromkeys(ids))[:50]


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
    attachments, left = collect(msg)
    automatic = why_automatic(msg)
    return Reply(
        ref=ref,
        sender="" if isinstance(who, NoSender) else who.address,
        subject=subject,
        token=find_token(subject),
        document_number=number.group(1) if number else None,
        body=body,
        attachments=attachments,
        automatic=automatic is not None,
        from_domains=() if isinstance(who, NoSender) else (who.domain,),
        from_error=who.reason if isinstance(who, NoSender) else "",
        authentication=tuple(_raw_headers(raw, "Authentication-Results")),
        left=left,
        thread=_thread(msg),
        automatic_why=automatic or "",
    )
