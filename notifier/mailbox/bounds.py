"""Bounds a message must keep before the standard library's parser reads it.

`email.parser` recurses once per nested multipart or message/* part and builds an
object per part, so a reply nested 1,000 deep raises RecursionError and 13 MB of
`--b` lines build millions of parts. Nothing a focal point's mail client writes comes
near these bounds (a reply with ten attachments is about twenty parts, four deep), so a
message beyond them is poison: set aside once, never parsed (`notifier.mailbox.isolate`
runs what passes in a child process, where what these counts miss still cannot harm).

The counts are upper bounds read from the raw bytes in linear time:
- size: the whole message (`Limits.max_bytes`), and its header section;
- depth: every `Content-Type: multipart/...` or `message/...` header opens one level at
  most, so their number bounds the nesting (and the parser's recursion);
- parts: a part inside a multipart starts at a line `--<boundary>` (not `--<boundary>--`,
  the end) of a boundary some Content-Type declares.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTAINER = re.compile(rb"(?im)^content-type[ \t]*:\s*(?:multipart|message)/")
_BOUNDARY = re.compile(rb'(?i)\bboundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))')


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = 30 * 1024 * 1024
    """The whole raw message: evidence's 20 MB, base64-encoded, with room for the text.
    A larger message is not even fetched whole (`notifier.mailbox.poller`)."""
    max_header_bytes: int = 256 * 1024
    max_containers: int = 64
    """multipart/* and message/* parts in all: bounds the depth (the parser's recursion
    fails between 300 and 1,000 levels; a reply forwarding twenty mails has about 41)."""
    max_parts: int = 200
    """Parts inside multiparts: a reply with ten attachments has about twenty."""


@dataclass(frozen=True, slots=True)
class Poison:
    """A message that cannot be processed, and why: it is set aside once, never retried."""

    why: str
    """The class, for metrics and logs: too_large, headers, too_deep, parts, unparsable,
    timeout, crashed, failed; `reason_mail_<why>` in the strings."""
    params: tuple[tuple[str, str], ...] = ()
    sender: str = ""
    """The From address when it could be read (display only: it names nobody)."""
    subject: str = ""

    @property
    def reason(self) -> str:
        """Vietnamese, for the coordinator's quarantine list (rendered by the parent: the
        parsing child never loads the templates)."""
        from notifier.render import text

        return text("vi", f"reason_mail_{self.why}", **dict(self.params))


def mebibytes(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB".replace(".", ",")


def too_large(size: int, limits: Limits) -> Poison:
    return Poison("too_large", (("size", mebibytes(size)), ("limit", mebibytes(limits.max_bytes))))


def scan(raw: bytes, limits: Limits) -> Poison | None:
    """None when the message keeps every bound; else why it does not."""
    if len(raw) > limits.max_bytes:
        return too_large(len(raw), limits)
    end = _HEADER_END.search(raw, 0, limits.max_header_bytes + 4)
    if end is None and len(raw) > limits.max_header_bytes:
        return Poison("headers", (("limit", mebibytes(limits.max_header_bytes)),))
    containers = sum(1 for _ in _CONTAINER.finditer(raw))
    if containers > limits.max_containers:
        return Poison("too_deep", (("limit", str(limits.max_containers)),))
    boundaries = {m.group(1) or m.group(2) for m in _BOUNDARY.finditer(raw)}
    if len(boundaries) > limits.max_containers:
        return Poison("too_deep", (("limit", str(limits.max_containers)),))
    if boundaries:
        alternatives = b"|".join(re.escape(b) for b in sorted(boundaries, key=len, reverse=True))
        starts = re.compile(rb"(?m)^--(?:" + alternatives + rb")(?!--)")  # not closing lines
        for parts, _ in enumerate(starts.finditer(raw), 1):
            if parts > limits.max_parts:
                return Poison("parts", (("limit", str(limits.max_parts)),))
    return None
