"""Mail built to jam a reply reader (issue 12), as raw bytes no library re-encodes."""

from __future__ import annotations

import itertools

_serial = itertools.count()


def _head(subject: str, sender: str, extra: bytes = b"") -> bytes:
    n = next(_serial)
    return (
        f"From: {sender}\r\nTo: hanchot@tinh-thu.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <poison-{n}@attacker.example>\r\nMIME-Version: 1.0\r\n".encode()
        + extra
    )


def nested(
    depth: int = 1000, subject: str = "Re: nested", sender: str = "x@attacker.example"
) -> bytes:
    """Multiparts nested `depth` deep: RecursionError in `email.parser`."""
    opening = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    return _head(subject, sender) + opening + b"Content-Type: text/plain\r\n\r\nhi\r\n"


def many_parts(
    parts: int = 5000, subject: str = "Re: parts", sender: str = "x@attacker.example"
) -> bytes:
    """One multipart holding `parts` empty parts."""
    body = b"--b\r\n\r\n" * parts + b"--b--\r\n"
    return _head(subject, sender, b"Content-Type: multipart/mixed; boundary=b\r\n\r\n") + body


def deep_comments(depth: int = 5000, sender: str = "x@attacker.example") -> bytes:
    """A Message-ID of nested comments: the header parser recurses into them."""
    value = b"(" * depth + b")" * depth
    return (
        b"From: " + sender.encode() + b"\r\nSubject: Re: comments\r\n"
        b"Message-ID: " + value + b"<c%d@attacker.example>\r\n\r\nhi\r\n" % next(_serial)
    )


def oversized(size: int, subject: str = "Re: big", sender: str = "x@attacker.example") -> bytes:
    """A plain message of about `size` bytes of base64-looking lines."""
    line = b"QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\r\n"
    return _head(subject, sender, b"Content-Type: text/plain\r\n\r\n") + line * (
        size // len(line) + 1
    )


def kinds() -> list[bytes]:
    """One of each kind, small enough to append by the hundred."""
    return [nested(), many_parts(), deep_comments()]


def mixed(n: int) -> list[bytes]:
    """`n` different poison mails, the kinds in turn."""
    return [
        kind() for _, kind in zip(range(n), itertools.cycle([nested, many_parts, deep_comments]))
    ]
