"""Zalo: the OA's token pair and its renewal state (`zalo_tokens`), and `zalo` as a channel
of outbox rows, person channels, inbound messages and submissions (their CHECK constraints
widened); people's preferred channel order (`people.channels`, from the calendar).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 05:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUT = ("email", "telegram")
IN = ("email", "telegram", "web", "cli")
CHECKS = (
    ("outbox", OUT),
    ("person_channels", OUT),
    ("inbound_messages", IN),
    ("submissions", IN),
)


def _check(table: str, values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table) as batch:
        batch.drop_constraint(op.f(f"ck_{table}_channel"), type_="check")
        batch.create_check_constraint("channel", f"channel IN ({listed})")


def upgrade() -> None:
    op.create_table(
        "zalo_tokens",
        sa.Column("oa_id", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.Text(), nullable=False),
        sa.Column("access_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("access_issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("renewing_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("renewing_by", sa.String(length=128), nullable=True),
        sa.Column("stranded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stranded_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("oa_id", name=op.f("pk_zalo_tokens")),
    )
    for table, values in CHECKS:
        _check(table, (*values, "zalo"))
    op.add_column("people", sa.Column("channels", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("channels")
    for table in ("outbox", "person_channels"):
        op.execute(sa.text(f"DELETE FROM {table} WHERE channel = 'zalo'"))
    for table in ("inbound_messages", "submissions"):
        op.execute(sa.text(f"UPDATE {table} SET channel = 'cli' WHERE channel = 'zalo'"))
    for table, values in CHECKS:
        _check(table, values)
    op.drop_table("zalo_tokens")
