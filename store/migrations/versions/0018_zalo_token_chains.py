"""Zalo: one token row per app the OA authorised (`zalo_tokens` keyed by OA and app), so a
standby app's chain of refresh tokens lives beside the primary's.

The row written before (one per OA) keeps its tokens with app id "": the migration cannot
know which app issued them (the settings are not the schema's), and the primary app
configured at the next start takes it (`store.zalo_tokens.adopt`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | Sequence[str] | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("zalo_tokens") as batch:
        batch.add_column(
            sa.Column("app_id", sa.String(length=64), nullable=False, server_default="")
        )
        batch.drop_constraint(op.f("pk_zalo_tokens"), type_="primary")
        batch.create_primary_key(op.f("pk_zalo_tokens"), ["oa_id", "app_id"])


def downgrade() -> None:
    # One row per OA again: the chain that sends (not stranded, latest renewed) stays.
    rows = op.get_bind().execute(
        sa.text(
            "SELECT oa_id, app_id FROM zalo_tokens "
            "ORDER BY oa_id, stranded_at IS NOT NULL, access_expires_at DESC, app_id"
        )
    )
    kept: set[str] = set()
    for oa_id, app_id in rows.fetchall():
        if oa_id in kept:
            op.execute(
                sa.text("DELETE FROM zalo_tokens WHERE oa_id = :oa AND app_id = :app").bindparams(
                    oa=oa_id, app=app_id
                )
            )
        kept.add(oa_id)
    with op.batch_alter_table("zalo_tokens") as batch:
        batch.drop_constraint(op.f("pk_zalo_tokens"), type_="primary")
        batch.create_primary_key(op.f("pk_zalo_tokens"), ["oa_id"])
        batch.drop_column("app_id")
