"""retired process versions, and why an instance is suspended or terminated

Revision ID: 0025
Revises: 0023
Create Date: 2026-12-01 21:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_versions") as batch:
        batch.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retired_by", sa.String(length=64), nullable=True))
    # process_instances.status is a String(16): "suspended" and "terminated" fit as is.
    with op.batch_alter_table("process_instances") as batch:
        batch.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("process_instances") as batch:
        batch.drop_column("hold_reason")
    with op.batch_alter_table("process_versions") as batch:
        batch.drop_column("retired_at")
        batch.drop_column("retired_by")
