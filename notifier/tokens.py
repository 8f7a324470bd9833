"""Unforgeable short references: the reply token in email subjects, the signature on
Telegram buttons, the reference printed in every message, the deterministic Message-ID.

All are HMACs with the deployment's secret (or plain hashes where forging is harmless):
a person can copy them, not invent them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

TOKEN_RE = re.compile(r"\[HC-([A-Z2-7]{10})\]")
"""The reply token as it appears in a subject: `[HC-ABCDEFGHJK]`."""


def _b32(raw: bytes, length: int) -> str:
    return base64.b32encode(raw).decode("ascii")[:length]


def _mac(secret: str, purpose: str, value: str) -> bytes:
    return hmac.new(secret.encode(), f"{purpose}\x00{value}".encode(), hashlib.sha256).digest()


def deadline_token(secret: str, workflow_id: str) -> str:
    """Ten base32 characters (50 bits) naming one deadline, e.g. `K3QX2M7RTA`."""
    return _b32(_mac(secret, "deadline", workflow_id), 10)


def subject_tag(secret: str, workflow_id: str) -> str:
    return f"[HC-{deadline_token(secret, workflow_id)}]"


def find_token(subject: str) -> str | None:
    """The token in a subject (`Re: Fwd: ... [HC-XXXXXXXXXX]`), or None."""
    found = TOKEN_RE.search(subject.upper())
    return found.group(1) if found else None


def outbox_key(workflow_id: str, step: str, channel: str, recipient: int | str) -> str:
    return f"{workflow_id}\x00{step}\x00{channel}\x00{recipient}"


def message_id(key: str, domain: str) -> str:
    """The email Message-ID of one outbox row: the same row always gives the same id, so
    a copy sent again after a crash is recognisably the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def reference(key: str) -> str:
    """Six characters printed in a Telegram message: the same row gives the same code."""
    return _b32(hashlib.sha256(key.encode()).digest(), 6)


def sign(secret: str, data: str) -> str:
    """An 8-character signature for callback data (Telegram allows 64 bytes in all)."""
    return base64.urlsafe_b64encode(_mac(secret, "button", data)[:6]).decode("ascii")


def verify(secret: str, data: str, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, data), signature)


def webhook_secret(secret: str) -> str:
    """The secret token Telegram sends with every webhook call: derived from the
    deployment's secret, so every bot replica behind the webhook checks the same one and
    a replica starting (and setting the webhook) never locks the others out."""
    mac = _mac(secret, "telegram webhook", "")
    return base64.urlsafe_b64encode(mac[:24]).decode("ascii")
