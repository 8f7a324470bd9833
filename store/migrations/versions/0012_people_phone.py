"""People's telephone numbers: reminders and escalations say whom to call at the
receiving unit (name, phone, email), and exports list the focal points the same way.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 03:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("people", sa.Column("phone", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.drop_column("phone")
