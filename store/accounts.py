"""Managing dashboard accounts from the dashboard: invite, resend, deactivate, reactivate,
change role or scope, ask for and use a set-password link. Each is one transaction with
its audit entry (who, when, the account before and after).

A coordinator manages only accounts inside his scope (their root unit lies in his
subtree); only a coordinator over everything manages accounts over everything. Password
hashing is the web's (`web.passwords`): this module stores the hash it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from store import account_mail, account_tokens
from store.base import utcnow
from store.models import AuditEntry, Calendar, Unit, WebRole, WebUser
from store.scopes import Scope
from store.web_users import add_user, close_user_sessions, normal_email, user_by_email


class AccountExists(ValueError):
    pass


class OutOfScope(LookupError):
    """The unit given as a scope lies outside the acting coordinator's scope."""


class NoSuchAccount(LookupError):
    """No account with this id inside the acting coordinator's scope."""


class OwnAccount(ValueError):
    """A coordinator cannot deactivate or demote himself (and lock everyone out)."""


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: his audit name (`web:<email>`), his user id and his scope."""

    name: str
    user_id: int | None
    scope: Scope
    display: str = ""


def in_scope(session: Session, scope: Scope, unit_id: int | None) -> bool:
    """Whether an account rooted at `unit_id` (None: everything) lies inside `scope`."""
    if scope.everything:
        return True
    if unit_id is None:
        return False
    found = session.scalar(
        sa.select(Unit.id).where(Unit.id == unit_id, scope.units_clause(Unit.id))
    )
    return found is not None


def scope_ref(session: Session, unit_id: int | None) -> str | None:
    """`calendar/unit` of a scope root (None: everything)."""
    if unit_id is None:
        return None
    row = session.execute(
        sa.select(Calendar.key, Unit.key, Unit.name)
        .join(Calendar, Unit.calendar_id == Calendar.id)
        .where(Unit.id == unit_id)
    ).first()
    return f"{row[0]}/{row[1]}" if row else None


def scope_name(session: Session, unit_id: int | None) -> str | None:
    return session.scalar(sa.select(Unit.name).where(Unit.id == unit_id)) if unit_id else None


def snapshot(session: Session, user: WebUser) -> dict[str, Any]:
    """The account as the audit log keeps it (never its password hash)."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "scope": scope_ref(session, user.scope_unit_id),
        "active": user.active,
        "password_set": user.password_hash is not None,
    }


def audit(
    session: Session,
    actor: str,
    action: str,
    user: WebUser,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    **extra: Any,
) -> None:
    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            subject=f"account:{user.email}",
            unit_id=user.scope_unit_id,
            details={"before": before, "after": after, **extra},
        )
    )


def managed(session: Session, actor: Actor, user_id: int) -> WebUser:
    """The account `user_id` if `actor` may manage it (else NoSuchAccount)."""
    user = session.get(WebUser, user_id)
    if user is None or not in_scope(session, actor.scope, user.scope_unit_id):
        raise NoSuchAccount(user_id)
    return user


def _mail_facts(session: Session, user: WebUser, actor: Actor) -> dict[str, Any]:
    return {
        "inviter": actor.display or actor.name.removeprefix("web:"),
        "role_label": user.role.label_vi(),
        "scope_label": scope_name(session, user.scope_unit_id) or "toàn bộ các lịch",
    }


def _send_invitation(session: Session, user: WebUser, actor: Actor, secret: str) -> int:
    issued = account_tokens.issue(session, user, account_tokens.INVITE, secret, actor.name)
    facts = _mail_facts(session, user, actor)
    return account_mail.enqueue(session, user, issued, account_tokens.INVITE, facts).id


def invite(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    role: WebRole,
    scope_unit_id: int | None,
    secret: str,
) -> WebUser:
    """A new account with no password, and its invitation mail in the outbox."""
    if not in_scope(session, actor.scope, scope_unit_id):
        raise OutOfScope(scope_unit_id)
    if user_by_email(session, email) is not None:
        raise AccountExists(normal_email(email))
    unit = session.get(Unit, scope_unit_id) if scope_unit_id is not None else None
    user = add_user(session, email=email, name=name, password_hash=None, role=role, scope_unit=unit)
    outbox_id = _send_invitation(session, user, actor, secret)
    audit(
        session,
        actor.name,
        "account_invited",
        user,
        None,
        snapshot(session, user),
        outbox_id=outbox_id,
    )
    return user


def resend_invitation(session: Session, actor: Actor, user_id: int, secret: str) -> WebUser:
    """A new invitation link (the older one stops working), for an account still active."""
    user = managed(session, actor, user_id)
    outbox_id = _send_invitation(session, user, actor, secret)
    state = snapshot(session, user)
    audit(session, actor.name, "account_invitation_resent", user, state, state, outbox_id=outbox_id)
    return user


def set_active(session: Session, actor: Actor, user_id: int, active: bool) -> WebUser:
    """Deactivate (sessions end now, set-password links stop working) or reactivate."""
    user = managed(session, actor, user_id)
    if user.id == actor.user_id and not active:
        raise OwnAccount(user_id)
    before = snapshot(session, user)
    user.active = active
    user.updated_at = utcnow()
    ended = 0
    if not active:
        ended = close_user_sessions(session, user.id)
        account_tokens.revoke_all(session, user.id)
    session.flush()
    action = "account_reactivated" if active else "account_deactivated"
    audit(session, actor.name, action, user, before, snapshot(session, user), sessions_ended=ended)
    return user


def change(
    session: Session, actor: Actor, user_id: int, role: WebRole, scope_unit_id: int | None
) -> WebUser:
    """A new role or scope (both within the actor's scope); his sessions end, so the next
    page he opens is read with what he may now see."""
    user = managed(session, actor, user_id)
    if not in_scope(session, actor.scope, scope_unit_id):
        raise OutOfScope(scope_unit_id)
    if user.id == actor.user_id:
        raise OwnAccount(user_id)
    before = snapshot(session, user)
    if role == user.role and scope_unit_id == user.scope_unit_id:
        return user
    user.role, user.scope_unit_id = role, scope_unit_id
    user.updated_at = utcnow()
    close_user_sessions(session, user.id)
    session.flush()
    audit(session, actor.name, "account_changed", user, before, snapshot(session, user))
    return user


def request_reset(session: Session, email: str, secret: str, address: str) -> bool:
    """A reset mail for an active account with this email; False (and nothing written
    beyond the caller's throttle) when there is none: the page says the same either way."""
    user = user_by_email(session, email)
    if user is None or not user.active:
        return False
    issued = account_tokens.issue(session, user, account_tokens.RESET, secret, "web:forgot")
    row = account_mail.enqueue(session, user, issued, account_tokens.RESET, {})
    state = snapshot(session, user)
    audit(
        session,
        f"web:{user.email}",
        "password_reset_requested",
        user,
        state,
        state,
        address=address,
        outbox_id=row.id,
    )
    return True


def use_token(
    session: Session, token: str, password_hash: str, now: datetime | None = None
) -> WebUser | account_tokens.Refusal:
    """Set the password through a link: once, in time, for an active account. Every open
    session of the account ends (a reset after a stolen password must lock the thief out)."""
    now = now or utcnow()
    checked = account_tokens.check(session, token, now)
    if checked.refusal is not None or checked.token is None:
        return checked.refusal or account_tokens.Refusal.UNKNOWN
    row = checked.token
    if not account_tokens.consume(session, row.id, now):
        return account_tokens.Refusal.USED
    user = row.user
    before = snapshot(session, user)
    user.password_hash = password_hash
    user.updated_at = now
    close_user_sessions(session, user.id)
    session.flush()
    action = "account_activated" if row.purpose == account_tokens.INVITE else "password_reset"
    audit(
        session, f"web:{user.email}", action, user, before, snapshot(session, user), token_id=row.id
    )
    return user
