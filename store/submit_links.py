"""Signed, expiring links to the submit page of one deadline (for focal points without
Telegram: the reminder email carries one).

A link is `/nop/<token>`; the token carries the deadline's workflow id, who it was sent
to and when it expires, signed with HMAC-SHA256 under the deployment's secret (the
`HANCHOT_SECRET` every process shares). Changing any byte of it (another deadline, a
later expiry) breaks the signature; nothing is stored, so issuing a link is free and
the notifier and the web server need no shared table. It lives in `store` because both
of them may import `store` and neither may import the other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PURPOSE = b"hanchot submit link v1"
DEFAULT_LIFETIME = timedelta(days=45)
"""Long enough for a reminder sent a month ahead to still work after the legal end."""
PATH_PREFIX = "/nop/"


class LinkError(ValueError):
    """A token that is not one of ours (malformed or badly signed)."""


class LinkExpired(LinkError):
    def __init__(self, claim: SubmitClaim) -> None:
        super().__init__(f"link for {claim.workflow_id} expired at {claim.expires_at}")
        self.claim = claim


@dataclass(frozen=True, slots=True)
class SubmitClaim:
    workflow_id: str
    """`deadline/{calendar}/{obligation}/{period}/{unit}`: the one deadline it opens."""
    person: str | None
    """The person (config id) the link was sent to, recorded as the submitter."""
    expires_at: datetime


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, body: str) -> bytes:
    return hmac.new(
        secret.encode("utf-8"), PURPOSE + b"\x00" + body.encode(), hashlib.sha256
    ).digest()[:18]


def make_token(
    secret: str,
    workflow_id: str,
    *,
    person: str | None = None,
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> str:
    if not secret:
        raise ValueError("a submit link needs the deployment's secret")
    if expires_at is None:
        expires_at = (now or datetime.now(UTC)) + DEFAULT_LIFETIME
    payload = {"d": workflow_id, "p": person, "e": int(expires_at.timestamp())}
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    return f"{body}.{_b64(_mac(secret, body))}"


def submit_url(
    public_url: str,
    secret: str,
    workflow_id: str,
    *,
    person: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """The full link for an email, e.g. `https://hanchot.example/nop/eyJk...`."""
    token = make_token(secret, workflow_id, person=person, expires_at=expires_at)
    return public_url.rstrip("/") + PATH_PREFIX + token


def read_token(secret: str, token: str, now: datetime | None = None) -> SubmitClaim:
    """The claim of a genuine token; LinkError if forged, LinkExpired if too old."""
    body, dot, signature = token.partition(".")
    if not dot or not body or not signature or len(token) > 2048:
        raise LinkError("malformed token")
    try:
        given = _unb64(signature)
        payload = json.loads(_unb64(body))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise LinkError("malformed token") from None
    if not hmac.compare_digest(given, _mac(secret, body)):
        raise LinkError("bad signature")
    try:
        claim = SubmitClaim(
            workflow_id=str(payload["d"]),
            person=None if payload.get("p") is None else str(payload["p"]),
            expires_at=datetime.fromtimestamp(int(payload["e"]), UTC),
        )
    except (KeyError, TypeError, ValueError, OverflowError):
        raise LinkError("malformed claim") from None
    if not claim.workflow_id.startswith("deadline/"):
        raise LinkError("not a deadline")
    if claim.expires_at <= (now or datetime.now(UTC)):
        raise LinkExpired(claim)
    return claim
