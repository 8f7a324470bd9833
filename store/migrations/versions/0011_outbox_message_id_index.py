"""Outbox rows by Message-ID: an email reply whose subject lost its deadline token is
matched through In-Reply-To/References to the Message-ID of the email we sent, looked
up in the outbox on every such reply.

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-06 02:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_outbox_message_id"), "outbox", ["message_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_message_id"), table_name="outbox")
