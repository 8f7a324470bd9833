"""The Zalo webhook's inbound queue (`zalo_inbound`: an event is stored as verified before
Zalo is answered, then handled from here), and the submission a chat is still sending
files to (`telegram_pending.filed_*`: a report photographed page by page).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | Sequence[str] | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zalo_inbound",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("event_name", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "handling",
                "done",
                "failed",
                name="status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zalo_inbound")),
        sa.UniqueConstraint("event_key", name=op.f("uq_zalo_inbound_event_key")),
    )
    op.create_index(
        op.f("ix_zalo_inbound_status_user_id_id"), "zalo_inbound", ["status", "user_id", "id"]
    )
    with op.batch_alter_table("telegram_pending") as batch:
        batch.add_column(sa.Column("filed_deadline_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("filed_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_telegram_pending_filed_deadline_id_unit_deadlines"),
            "unit_deadlines",
            ["filed_deadline_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_pending") as batch:
        batch.drop_constraint(
            op.f("fk_telegram_pending_filed_deadline_id_unit_deadlines"), type_="foreignkey"
        )
        batch.drop_column("filed_at")
        batch.drop_column("filed_deadline_id")
    op.drop_index(op.f("ix_zalo_inbound_status_user_id_id"), table_name="zalo_inbound")
    op.drop_table("zalo_inbound")
