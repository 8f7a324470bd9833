"""One-time links to set a dashboard password: an invitation or a forgotten-password reset.

A token is HMAC(deployment secret, random nonce): the row keeps the nonce and the token's
sha256, the email's link is derived from the nonce when the mail is composed, so neither
the database nor a backup of it (nor the outbox payload) holds a working link. A token
works once (compare-and-set on `used_at`), until it expires, while no newer token of the
same user has replaced it, and while the user is active. `check` says exactly why not.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store.base import utcnow
from store.models import AccountToken, WebUser

INVITE = "invite"
RESET = "reset"
LIFETIME = {INVITE: timedelta(days=7), RESET: timedelta(hours=2)}
"""An invitation waits for someone who may read it next week; a reset is asked for now."""
TOKEN_CHARS = 43
"""base64url of 32 bytes, unpadded: what `derive` gives and the route accepts."""


class Refusal(enum.StrEnum):
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    INACTIVE = "inactive"


@dataclass(frozen=True, slots=True)
class Issued:
    id: int
    nonce: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Checked:
    token: AccountToken | None
    refusal: Refusal | None = None


def derive(secret: str, nonce: str) -> str:
    """The token in the link: only the deployment's secret turns a nonce into it."""
    mac = hmac.new(secret.encode(), f"account-token\x00{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue(
    session: Session,
    user: WebUser,
    purpose: str,
    secret: str,
    by: str,
    now: datetime | None = None,
) -> Issued:
    """A new token for `user`; every older unused one of theirs stops working."""
    now = now or utcnow()
    revoke_all(session, user.id, now)
    nonce = secrets.token_urlsafe(24)
    row = AccountToken(
        user_id=user.id,
        purpose=purpose,
        nonce=nonce,
        token_sha256=token_hash(derive(secret, nonce)),
        created_at=now,
        expires_at=now + LIFETIME[purpose],
        created_by=by,
    )
    session.add(row)
    session.flush()
    return Issued(row.id, nonce, row.expires_at)


def revoke_all(session: Session, user_id: int, now: datetime | None = None) -> int:
    result = session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
        )
        .values(revoked_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def check(session: Session, token: str, now: datetime | None = None) -> Checked:
    """The token's row if it would work now, else why not (nothing is written)."""
    now = now or utcnow()
    if len(token) != TOKEN_CHARS:
        return Checked(None, Refusal.UNKNOWN)
    row = session.scalar(
        sa.select(AccountToken).where(AccountToken.token_sha256 == token_hash(token))
    )
    if row is None:
        return Checked(None, Refusal.UNKNOWN)
    if row.used_at is not None:
        return Checked(row, Refusal.USED)
    if row.revoked_at is not None:
        return Checked(row, Refusal.REVOKED)
    if row.expires_at <= now:
        return Checked(row, Refusal.EXPIRED)
    if not row.user.active:
        return Checked(row, Refusal.INACTIVE)
    return Checked(row)


def consume(session: Session, token_id: int, now: datetime | None = None) -> bool:
    """Mark the token used, once: of two simultaneous submissions only one gets True."""
    now = now or utcnow()
    claimed = session.execute(
        sa.update(AccountToken)
        .where(
            AccountToken.id == token_id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    return bool(claimed)


def pending(session: Session, user_id: int, now: datetime | None = None) -> AccountToken | None:
    """The user's token that still works, if any (the accounts page says "invited")."""
    return session.scalar(
        sa.select(AccountToken)
        .where(
            AccountToken.user_id == user_id,
            AccountToken.used_at.is_(None),
            AccountToken.revoked_at.is_(None),
            AccountToken.expires_at > (now or utcnow()),
        )
        .order_by(AccountToken.id.desc())
        .limit(1)
    )
