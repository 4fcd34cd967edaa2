"""session idle time, desk phone registry

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "desk_phones",
        sa.Column("extension", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_desk_phones_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("extension", name=op.f("pk_desk_phones")),
    )
    with op.batch_alter_table("desk_phones", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_desk_phones_user_id"), ["user_id"], unique=False)
    # Users who have an extension today keep it: their phone is registered as theirs.
    op.execute(
        "INSERT INTO desk_phones (extension, label, user_id, created_at) "
        "SELECT extension, '', MIN(id), CURRENT_TIMESTAMP FROM users "
        "WHERE extension IS NOT NULL AND extension <> '' GROUP BY extension"
    )


def downgrade() -> None:
    with op.batch_alter_table("desk_phones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_desk_phones_user_id"))
    op.drop_table("desk_phones")
    with op.batch_alter_table("web_sessions", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
