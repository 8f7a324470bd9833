"""Calendar drafts: a coordinator's unpublished edits in the dashboard, one per calendar
and author, kept whole and valid until published or discarded.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.Text(), nullable=False),
        sa.Column("base_revision", sa.Integer(), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["calendars.id"],
            name=op.f("fk_calendar_drafts_calendar_id_calendars"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_drafts")),
        sa.UniqueConstraint(
            "calendar_id", "author", name=op.f("uq_calendar_drafts_calendar_id_author")
        ),
    )


def downgrade() -> None:
    op.drop_table("calendar_drafts")
