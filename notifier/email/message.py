"""An `Outgoing` as a MIME message: plain text and HTML alternatives, attachments
(the `.ics` event), and a Message-ID fixed by the outbox row."""

from __future__ import annotations

from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from notifier.base import Outgoing, TransportError


def sender_domain(sender: str) -> str:
    address = parseaddr(sender)[1]
    return address.rsplit("@", 1)[-1] if "@" in address else "hanchot.local"


def check_address(address: str) -> str:
    """The address if it can be an SMTP recipient; a permanent address error if not
    (no point asking a server about `nguyen.van.a` or `a@b@c`)."""
    _display, addr = parseaddr(address)
    local, _, domain = addr.rpartition("@")
    if not local or not domain or "@" in local or " " in addr or "." not in domain:
        raise TransportError(f"not an email address: {address!r}", address=True)
    try:
        Address(addr_spec=addr)
    except (ValueError, IndexError) as exc:
        raise TransportError(f"not an email address: {address!r} ({exc})", address=True) from None
    return addr


def build(message: Outgoing, sender: str, now: datetime | None = None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
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
            params = {"method": "PUBLISH"}
        msg.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.file_name,
            params=params,
        )
    return msg
