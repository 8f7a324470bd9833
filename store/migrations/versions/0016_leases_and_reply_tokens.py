"""Several of each process on one store (issue 20): a lease per job that must run in one
process at a time (the mailbox poller, Telegram long polling), and the reply token of
each deadline kept beside it, indexed, so a reply is matched by lookup instead of by
signing every deadline's workflow id.

The tokens are HMACs under the deployment's secret, which the store does not know: the
notifier fills the column (at start, and for any row still empty when a reply comes).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | Sequence[str] | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=128), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )
    with op.batch_alter_table("unit_deadlines") as batch:
        batch.add_column(sa.Column("reply_token", sa.String(length=16), nullable=True))
    op.create_index(op.f("ix_unit_deadlines_reply_token"), "unit_deadlines", ["reply_token"])


def downgrade() -> None:
    op.drop_index(op.f("ix_unit_deadlines_reply_token"), table_name="unit_deadlines")
    with op.batch_alter_table("unit_deadlines") as batch:
        batch.drop_column("reply_token")
    op.drop_table("leases")
