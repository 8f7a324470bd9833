"""Several relays on one outbox: each claim names its relay and runs until a lease that
its relay renews (`outbox.claimed_by`, `outbox.lease_until`), and the providers' limits
are shared through the store (`rate_budgets`). A row a pre-0015 process left `sending`
gets the lease it would have had (its last update plus the default three minutes).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 05:30:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_LEASE = timedelta(minutes=3)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index(batch.f("ix_outbox_claimed_by"), ["claimed_by"])
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("status", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("lease_until", sa.DateTime(timezone=True)),
    )
    bind = op.get_bind()
    sending = bind.execute(
        sa.select(outbox.c.id, outbox.c.updated_at).where(outbox.c.status == "sending")
    ).all()
    for row_id, updated_at in sending:
        if updated_at.tzinfo is None:  # SQLite keeps naive UTC
            until = updated_at + OLD_LEASE
        else:
            until = updated_at.astimezone(UTC) + OLD_LEASE
        bind.execute(
            sa.update(outbox).where(outbox.c.id == row_id).values(lease_until=until)
        )
    op.create_table(
        "rate_budgets",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("window_ms", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("slots", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_budgets")),
    )


def downgrade() -> None:
    op.drop_table("rate_budgets")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index(batch.f("ix_outbox_claimed_by"))
        batch.drop_column("lease_until")
        batch.drop_column("claimed_by")
