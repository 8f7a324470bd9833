"""Calendars as published revisions: every publish (hanchot load, the dashboard, an
import) writes a numbered, immutable revision the engine reads instead of YAML files.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 02:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_revisions_calendar_id_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_revisions")),
        sa.UniqueConstraint(
            "calendar_id", "number", name=op.f("uq_calendar_revisions_calendar_id_number")
        ),
    )
    op.create_index(
        op.f("ix_calendar_revisions_applied_at"), "calendar_revisions", ["applied_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_calendar_revisions_applied_at"), table_name="calendar_revisions")
    op.drop_table("calendar_revisions")
