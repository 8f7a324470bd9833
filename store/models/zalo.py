"""The Zalo Official Account's OAuth tokens, one row per app the OA authorised (each
app's own chain of tokens), and the state of their renewal; the queue of webhook events
received and not yet handled (`zalo_inbound`).

Zalo's refresh token is used once: the renewal call (`oauth.zaloapp.com/v4/oa/access_token`)
returns a new pair and the refresh token it was given stops working. So the row is the
only copy of the token that still works, written in the renewal's own transaction, and
it also records a renewal in flight (`renewing_*`) before the call is made: a process
that dies between Zalo's answer and the write leaves that record behind, so the next one
knows what happened instead of guessing (`notifier.zalo.oauth`).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base, enum_column, utcnow
from store.enums import ZaloEventStatus


class ZaloToken(Base):
    """An app's current token pair for the OA. `generation` counts renewals: every write
    is a compare-and-set on it, so two processes can never both store a renewal."""

    __tablename__ = "zalo_tokens"

    oa_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    app_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True, server_default="")
    """The app whose chain this is; "" for a row written before apps were told apart
    (0018): the configured primary app takes it at the next start (`zalo_tokens.adopt`)."""
    access_token: Mapped[str] = mapped_column(sa.Text)
    access_expires_at: Mapped[datetime]
    access_issued_at: Mapped[datetime | None]
    """When Zalo issued it: with the expiry, its lifetime (when to renew it)."""
    refresh_token: Mapped[str] = mapped_column(sa.Text)
    """The one refresh token that works now (single use)."""
    generation: Mapped[int] = mapped_column(default=0)
    renewing_since: Mapped[datetime | None]
    """Set (with `renewing_by`) before the renewal call; cleared with the new pair."""
    renewing_by: Mapped[str | None] = mapped_column(sa.String(128))
    stranded_at: Mapped[datetime | None]
    """Zalo refused the stored refresh token: the OA must be authorised again
    (`hanchot zalo authorize`); the access token keeps working until it expires."""
    stranded_reason: Mapped[str | None] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ZaloInbound(Base):
    """A webhook event, stored as verified before Zalo is answered, then handled from here
    (`notifier.zalo.inbox`): a process that dies in between leaves it waiting, not lost.

    One user's events are handled in `id` order, one at a time; `event_key` makes a
    delivery Zalo repeats one row. A claim (`claimed_by`, `lease_until`) says which process
    is handling a row: renewed while it works, taken over once it runs out."""

    __tablename__ = "zalo_inbound"
    __table_args__ = (sa.Index(None, "status", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(sa.String(255), unique=True)
    """`<user>:<event name>:<msg_id or timestamp>`: what Zalo sends again when unsure."""
    user_id: Mapped[str] = mapped_column(sa.String(64))
    event_name: Mapped[str] = mapped_column(sa.String(64))
    body: Mapped[str] = mapped_column(sa.Text)
    """The event as verified (JSON)."""
    status: Mapped[ZaloEventStatus] = mapped_column(
        enum_column(ZaloEventStatus, "status"), default=ZaloEventStatus.WAITING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(128))
    lease_until: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    handled_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(sa.Text)
    """Why a failed event failed (the exception), for whoever looks at the queue."""
