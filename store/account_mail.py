"""Mail to a dashboard account (an invitation, a password reset), queued in the outbox.

The row has no recipient person (an account need not be one of a calendar's people): it
goes to the account's address, is keyed `account/<user id>` + `account:<purpose>:<token
id>` (one row per token, written in the token's transaction), and the relay delivers it
like every other row, so a dead SMTP server loses nothing and sends nothing twice. Its
payload holds the token's nonce, never the token: the link is derived when the mail is
composed (`password_url`), with the deployment's secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from store import account_tokens
from store.enums import Channel, OutboxStatus
from store.models import OutboxMessage, WebUser

PASSWORD_PATH = "/password/"
"""Where the emailed link opens the set-password page (`web.routes.accounts_password`)."""
KINDS = {account_tokens.INVITE: "invitation", account_tokens.RESET: "password_reset"}
STEP_PREFIX = "account:"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def workflow_id(user_id: int) -> str:
    return f"account/{user_id}"


def password_url(public_url: str, secret: str, nonce: str) -> str:
    return f"{public_url.rstrip('/')}{PASSWORD_PATH}{account_tokens.derive(secret, nonce)}"


def local_text(value: datetime, tz: str | None = None) -> str:
    """ "13/12/2026 12:40" in `tz` (a calendar's; by default Asia/Ho_Chi_Minh), how people
    read every time."""
    return f"{value.astimezone(ZoneInfo(tz) if tz else TZ):%d/%m/%Y %H:%M}"


def queue(session: Session, user: WebUser, step: str, payload: dict[str, Any]) -> OutboxMessage:
    """An email to the account's address, pending in the outbox under `step` (no recipient
    person: `notifier.reader` reads it as the account's)."""
    row = OutboxMessage(
        workflow_id=workflow_id(user.id),
        step=step,
        channel=Channel.EMAIL,
        recipient_id=None,
        address=user.email,
        deadline_id=None,
        payload={"name": user.name, "email": user.email, **payload},
        status=OutboxStatus.PENDING,
    )
    session.add(row)
    session.flush()
    return row


def enqueue(
    session: Session,
    user: WebUser,
    issued: account_tokens.Issued,
    purpose: str,
    facts: dict[str, Any],
) -> OutboxMessage:
    """The token's email, pending in the outbox (`facts`: who invited, role, scope)."""
    return queue(
        session,
        user,
        f"{STEP_PREFIX}{purpose}:{issued.id}",
        {
            "kind": KINDS[purpose],
            "nonce": issued.nonce,
            "expires_at": issued.expires_at.isoformat(),
            "expires_text": local_text(issued.expires_at),
            **facts,
        },
    )
