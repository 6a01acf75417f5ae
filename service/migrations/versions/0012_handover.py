"""handing work over: away flags, group assignment rules, notification read marks

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("away", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "group_assignment_rules",
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("last_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["last_user_id"],
            ["users.id"],
            name=op.f("fk_group_assignment_rules_last_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("group", name=op.f("pk_group_assignment_rules")),
    )


def downgrade() -> None:
    op.drop_table("group_assignment_rules")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("read_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("away")
