"""reports: operator state intervals, indexes for the reports' periods

Revision ID: 0004
Revises: 0005
Create Date: 2026-12-01 10:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_state_intervals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("agent", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_intervals")),
    )
    with op.batch_alter_table("agent_state_intervals", schema=None) as batch_op:
        batch_op.create_index("ix_agent_state_intervals_started", ["started_at"], unique=False)
        batch_op.create_index("ix_agent_state_intervals_agent_ended", ["agent", "ended_at"], unique=False)
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_outcome_offered", ["outcome", "offered_at"], unique=False)
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.create_index("ix_applications_created_at", ["created_at"], unique=False)
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_call_attempts_started_at", ["started_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("call_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_call_attempts_started_at")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_created_at")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_outcome_offered")
    with op.batch_alter_table("agent_state_intervals", schema=None) as batch_op:
        batch_op.drop_index("ix_agent_state_intervals_agent_ended")
        batch_op.drop_index("ix_agent_state_intervals_started")
    op.drop_table("agent_state_intervals")
