"""applications: department users, form fields, assignment, escalation, attachments, follow-up queue

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-01 10:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department", sa.String(length=64), nullable=True))
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fields", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.add_column(sa.Column("assigned_to", ID, nullable=True))
        batch_op.add_column(sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_applications_assigned_to_users"), "users", ["assigned_to"], ["id"], ondelete="SET NULL"
        )
        batch_op.create_index(
            "ix_applications_department_status_due", ["department_queue", "status", "due_at"], unique=False
        )
        batch_op.create_index("ix_applications_status_due", ["status", "due_at"], unique=False)
    with op.batch_alter_table("application_status_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_queue", sa.String(length=64), nullable=True))
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("queue", sa.String(length=64), nullable=True))
    op.create_table(
        "application_attachments",
        sa.Column("id", ID, nullable=False),
        sa.Column("application_id", ID, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_application_attachments_application_id_applications"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_attachments")),
    )
    with op.batch_alter_table("application_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_application_attachments_application_id"), ["application_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("application_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_application_attachments_application_id"))
    op.drop_table("application_attachments")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_column("queue")
    with op.batch_alter_table("application_status_history", schema=None) as batch_op:
        batch_op.drop_column("department_queue")
    with op.batch_alter_table("applications", schema=None) as batch_op:
        batch_op.drop_index("ix_applications_status_due")
        batch_op.drop_index("ix_applications_department_status_due")
        batch_op.drop_constraint(batch_op.f("fk_applications_assigned_to_users"), type_="foreignkey")
        batch_op.drop_column("escalated_at")
        batch_op.drop_column("assigned_to")
        batch_op.drop_column("fields")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("department")
