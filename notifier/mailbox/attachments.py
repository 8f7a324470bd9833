"""Every file in a reply: which are the report, and which are not and why.

Clients put a report in many places: an attachment (Gmail, Thunderbird), an inline part
inside the alternative or related body (Apple Mail), a forwarded message attached as
`.eml` (the report is inside it), Outlook's TNEF `winmail.dat` (the files are inside
it, read with tnefparse). The whole MIME tree is walked; a text part without a file
name is the message's body, not a file.

Not taken, each listed with its reason (`Left.why`, worded for people by the
`left_<why>` strings): images the HTML shows inline (`cid:` references: signature logos
like Outlook's `image001.png`), images smaller than `SIGNATURE_IMAGE_BYTES`, our own
`.ics` coming back, files whose type a report cannot have (`store.file_types`, the list
the submit page uses), a `winmail.dat` or attached message without files. Pure.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from email.message import Message
from typing import Any

from store.evidence import safe_name
from store.file_types import ALLOWED, FileRefused, kind_of

SIGNATURE_IMAGE_BYTES = 20_000
"""An image smaller than this is a logo or an icon: a photo or scan of a page is larger."""
MAX_DEPTH = 5
"""Attached messages inside attached messages: deeper than this is not looked into."""
TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
_CID = re.compile(r"""cid:([^"'\s)>]+)""", re.I)


@dataclass(frozen=True, slots=True)
class Part:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Left:
    """A file found and not taken as the report."""

    file_name: str
    content_type: str
    size: int
    why: str
    """signature_image, small_image, calendar, file_type, tnef_empty, message_empty,
    unreadable."""
    detail: str = ""


@dataclass
class Found:
    taken: list[Part]
    left: list[Left]
    seen: set[str]


def _name(part: Message, fallback: str) -> str:
    raw = part.get_filename()
    if raw is None:
        raw = fallback
    return unicodedata.normalize("NFC", safe_name(str(raw)))


def _cids(msg: Message) -> set[str]:
    """Content-IDs the HTML parts show inline (`<img src="cid:...">`)."""
    found: set[str] = set()
    for part in msg.walk():
        if part.get_content_type() == "text/html" and not part.get_filename():
            data = part.get_payload(decode=True)
            if isinstance(data, bytes):
                found.update(c.lower() for c in _CID.findall(data.decode("latin-1")))
    return found


def _is_body(part: Message) -> bool:
    disposition = (part.get_content_disposition() or "").lower()
    return part.get_content_maintype() == "text" and (
        not part.get_filename() and disposition != "attachment"
    )


def _with_extension(name: str, content_type: str, data: bytes) -> str:
    """A name with the extension its content type and first bytes agree on, when it
    has none we take (Apple Mail's "Untitled attachment", a phone's "document")."""
    dot = name.rfind(".")
    if dot >= 0 and name[dot:].lower() in ALLOWED:
        return name
    for extension, (allowed_type, magics) in ALLOWED.items():
        if allowed_type == content_type and data.startswith(magics):
            return name + extension
    return name


def _candidate(
    found: Found, name: str, content_type: str, data: bytes, cids: set[str], cid: str
) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if digest in found.seen:  # the same file twice (Apple Mail's plain and HTML bodies)
        return
    found.seen.add(digest)
    if content_type.startswith("image/"):
        if cid and cid in cids:
            found.left.append(Left(name, content_type, len(data), "signature_image"))
            return
        if len(data) < SIGNATURE_IMAGE_BYTES:
            found.left.append(Left(name, content_type, len(data), "small_image"))
            return
    name = _with_extension(name, content_type, data)
    try:
        kind = kind_of(name, data[:16])
    except FileRefused as exc:
        found.left.append(Left(name, content_type, len(data), "file_type", str(exc)))
        return
    found.taken.append(Part(name, kind, data))


def _tnef(found: Found, name: str, data: bytes, cids: set[str]) -> None:
    from tnefparse import TNEF  # imported here: only Outlook's TNEF needs it

    try:
        tnef = TNEF(data, do_checksum=False)
        files = [a for a in tnef.attachments if a.data]
    except Exception as exc:  # a damaged winmail.dat is listed, never fatal
        found.left.append(Left(name, "application/ms-tnef", len(data), "unreadable", str(exc)))
        return
    if not files:
        found.left.append(Left(name, "application/ms-tnef", len(data), "tnef_empty"))
        return
    for item in files:
        inner_name = unicodedata.normalize("NFC", safe_name(_tnef_name(item, tnef.codepage)))
        _candidate(found, inner_name, _guess_type(inner_name), bytes(item.data), cids, "")


def _tnef_name(item: Any, codepage: str | None) -> str:
    """The file's long name; else its short title in the message's code page (Outlook
    writes it in the sender's Windows code page, which tnefparse reads as UTF-8)."""
    try:
        name = item.long_filename()
    except UnicodeDecodeError:
        name = item._name  # the raw title: decoded here in its own code page
    if isinstance(name, bytes):
        try:
            name = name.decode(codepage or "cp1252")
        except (LookupError, UnicodeDecodeError):
            name = name.decode("latin-1")
    return str(name).strip("\x00").strip() or "tệp"


def _guess_type(name: str) -> str:
    dot = name.rfind(".")
    entry = ALLOWED.get(name[dot:].lower()) if dot >= 0 else None
    return entry[0] if entry else "application/octet-stream"


def _walk(found: Found, part: Message, cids: set[str], depth: int) -> None:
    content_type = part.get_content_type()
    if content_type == "message/rfc822":  # before is_multipart(), which it also is
        _attached_message(found, part, depth)
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _walk(found, sub, cids, depth)
        return
    if _is_body(part) or content_type in ("message/delivery-status", "text/rfc822-headers"):
        return
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return
    name = _name(part, "tệp")
    if content_type == "text/calendar" or name.lower().endswith(".ics"):
        found.left.append(Left(name, content_type, len(data), "calendar"))
        return
    if content_type in TNEF_TYPES or name.lower() == "winmail.dat":
        _tnef(found, name, data, cids)
        return
    cid = str(part.get("Content-ID", "")).strip().strip("<>").lower()
    _candidate(found, name, content_type, data, cids, cid)


def _attached_message(found: Found, part: Message, depth: int) -> None:
    name = _name(part, "thư đính kèm.eml")
    inner = part.get_payload()
    inner_msg = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(inner_msg, Message) or depth >= MAX_DEPTH:
        found.left.append(Left(name, "message/rfc822", 0, "unreadable"))
        return
    before = len(found.taken) + len(found.left)
    _walk(found, inner_msg, _cids(inner_msg), depth + 1)
    if len(found.taken) + len(found.left) == before:
        found.left.append(Left(name, "message/rfc822", 0, "message_empty"))


def collect(msg: Message) -> tuple[tuple[Part, ...], tuple[Left, ...]]:
    """(files taken as the report, files found and not taken)."""
    found = Found([], [], set())
    if msg.is_multipart() or not _is_body(msg):
        _walk(found, msg, _cids(msg), 0)
    return tuple(found.taken), tuple(found.left)
