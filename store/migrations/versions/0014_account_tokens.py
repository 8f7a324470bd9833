"""Accounts from the dashboard: one-time set-password links (invitation, forgotten
password) in `account_tokens`; an invited user has no password until he sets one; mail to
an account (not to a calendar's person) goes through the outbox with no recipient person;
audit entries name the unit whose subtree they concern, so a scoped coordinator sees his.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 05:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | Sequence[str] | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["web_users.id"],
            name=op.f("fk_account_tokens_user_id_web_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_account_tokens_token_sha256")),
    )
    op.create_index(op.f("ix_account_tokens_user_id"), "account_tokens", ["user_id"])
    with op.batch_alter_table("web_users") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=True)
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_audit_log_unit_id_units"), "units", ["unit_id"], ["id"]
        )
        batch.create_index(op.f("ix_audit_log_unit_id"), ["unit_id"])


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_index(op.f("ix_audit_log_unit_id"))
        batch.drop_constraint(op.f("fk_audit_log_unit_id_units"), type_="foreignkey")
        batch.drop_column("unit_id")
    # Rows that only this revision allows cannot go back: account mail has no person, an
    # invited user no password. They are dropped (the mail) or closed (the user).
    op.execute("DELETE FROM outbox WHERE recipient_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("recipient_id", existing_type=sa.Integer(), nullable=False)
    op.execute(
        "UPDATE web_users SET password_hash = '!', active = false WHERE password_hash IS NULL"
    )
    with op.batch_alter_table("web_users") as batch:
        batch.alter_column("password_hash", existing_type=sa.String(length=255), nullable=False)
    op.drop_index(op.f("ix_account_tokens_user_id"), table_name="account_tokens")
    op.drop_table("account_tokens")
