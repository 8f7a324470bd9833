"""Creating dashboard accounts: for `hanchot user add`, and the first coordinator that
`hanchot dev` makes so the README's first command ends in a browser.

The first coordinator sees every calendar (no scope). Its password is random, returned
once to be printed, and only its argon2 hash is kept: run `hanchot user password` to set
another.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from store import account_tokens, db
from store.accounts import audit, snapshot
from store.models import WebRole, WebUser
from store.web_users import add_user, count_users, find_unit, user_by_email
from web.passwords import generate_password, hash_password

FIRST_EMAIL = "dieuphoi@hanchot.local"
FIRST_NAME = "Cán bộ điều phối"


class AccountExists(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class NewAccount:
    email: str
    password: str
    role: WebRole
    scope: str | None


def create_account(
    engine: Engine,
    email: str,
    role: WebRole,
    scope: str | None,
    *,
    name: str | None = None,
    password: str | None = None,
    by: str = "cli",
) -> NewAccount:
    """Add an account; `scope` is `calendar/unit` or a unit key (None: everything). A
    password is generated when none is given. Raises AccountExists, UnitNotFound,
    WeakPassword."""
    password = password or generate_password()
    hashed = hash_password(password)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        if user_by_email(session, email) is not None:
            raise AccountExists(email)
        unit = find_unit(session, scope) if scope else None
        user = add_user(
            session,
            email=email,
            name=name or email.split("@")[0],
            password_hash=hashed,
            role=role,
            scope_unit=unit,
        )
        audit(session, by, "account_created", user, None, snapshot(session, user))
        return NewAccount(user.email, password, role, scope)


def ensure_first_coordinator(engine: Engine, email: str = FIRST_EMAIL) -> NewAccount | None:
    """A coordinator over everything when the store has no account yet; None otherwise
    (the accounts made before still work, and their passwords were printed then)."""
    with db.session_factory(engine)() as session:
        if count_users(session):
            return None
    return create_account(
        engine, email, WebRole.COORDINATOR, None, name=FIRST_NAME, by="hanchot dev"
    )


def set_password(engine: Engine, email: str, password: str | None = None) -> str:
    """A new password for `email` (generated when None); every open session ends, and
    every set-password link of the account stops working."""
    from store.web_users import close_user_sessions

    password = password or generate_password()
    hashed = hash_password(password)
    with db.session_factory(engine, writes=True)() as session, session.begin():
        user: WebUser | None = user_by_email(session, email)
        if user is None:
            raise LookupError(email)
        before = snapshot(session, user)
        user.password_hash = hashed
        account_tokens.revoke_all(session, user.id)
        user.failed_logins = 0
        user.locked_until = None
        close_user_sessions(session, user.id)
        session.flush()
        audit(session, "cli", "password_set", user, before, snapshot(session, user))
    return password
