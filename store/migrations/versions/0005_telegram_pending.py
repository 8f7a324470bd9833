"""Telegram: the bot's unfinished exchanges (the question a chat's next message answers,
a file waiting for its deadline to be picked) live in the store, not in the bot's memory,
so a restart between the question and the answer loses nothing.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05 07:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "telegram_pending",
        sa.Column("chat_id", sa.String(length=64), nullable=False),
        sa.Column(
            "question",
            sa.Enum(
                "submit",
                "extension",
                name="telegram_question",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("deadline_id", sa.Integer(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("held", sa.JSON(), nullable=True),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["unit_deadlines.id"],
            name=op.f("fk_telegram_pending_deadline_id_unit_deadlines"),
        ),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_telegram_pending")),
    )


def downgrade() -> None:
    op.drop_table("telegram_pending")
