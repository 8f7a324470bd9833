"""Tables of the web dashboard: who may log in, with which role, over which units.

A user sees the subtree under `scope_unit` (a province coordinator its whole calendar, a
district supervisor his communes); no scope means every calendar, which only the first
coordinator of an installation needs. Sessions are server-side rows keyed by the hash of
the cookie's token, so a stolen database leaks no usable cookie and logging out (or
disabling a user) ends a session at once.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store.base import Base, enum_column, utcnow
from store.models.calendar import Unit


class WebRole(enum.StrEnum):
    """What a user may do: a coordinator acts (extensions, excuses, messages); a supervisor
    reads everything under him, evidence included; a viewer reads the tables only."""

    COORDINATOR = "coordinator"
    SUPERVISOR = "supervisor"
    VIEWER = "viewer"

    def label_vi(self) -> str:
        return {
            "coordinator": "Cán bộ điều phối",
            "supervisor": "Lãnh đạo phụ trách",
            "viewer": "Người xem",
        }[self.value]


class WebUser(Base):
    __tablename__ = "web_users"
    __table_args__ = (sa.CheckConstraint("failed_logins >= 0", "failed_logins_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(320), unique=True)
    """Lower-cased on the way in: the login name."""
    name: Mapped[str] = mapped_column(sa.Text)
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    """An argon2id hash in PHC format (parameters inside, so they can be raised later);
    None for an invited user who has not yet set a password (no password logs in)."""
    role: Mapped[WebRole] = mapped_column(enum_column(WebRole, "web_role"))
    scope_unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    """No longer counted: a lock per account is one anyone can trigger, so failures now
    delay where they come from (`store.login_throttle`). Kept, with `locked_until`, so the
    schema and older backups stay as they are."""
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    scope_unit: Mapped[Unit | None] = relationship()


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    """sha256 (hex) of the cookie's random token; the token itself is never stored."""
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("web_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)

    user: Mapped[WebUser] = relationship()


class LoginThrottle(Base):
    """Failed logins counted under one key: an address (the client's IP), an (account,
    address) pair, or an account from any address; plus the addresses an account last
    logged in from. `key` is the sha256 of what it counts, so the typed emails of a
    guessing script are not kept. The delay is derived from `failures` and `last_at`
    (`store.login_throttle`), so every dashboard process sharing the store sees it."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_at: Mapped[datetime] = mapped_column(index=True)


class AccountToken(Base):
    """A one-time link to set a password: an invitation or a forgotten-password reset.

    The token in the emailed link is HMAC(deployment secret, `nonce`), derived when the
    email is composed (`store.account_tokens`); the row keeps only its sha256, so the
    database (or a backup of it) alone never yields a working link. Used once
    (compare-and-set on `used_at`), expires, and is revoked by a newer token of the same
    user or by deactivating the user.
    """

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("web_users.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(16))
    """`invite` or `reset`."""
    nonce: Mapped[str] = mapped_column(sa.String(64))
    token_sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_by: Mapped[str] = mapped_column(sa.String(255))

    user: Mapped[WebUser] = relationship()
