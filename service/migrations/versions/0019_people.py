"""people and their data: disabled accounts, session epochs, erasure marks

Revision ID: 0019
Revises: 0017
Create Date: 2027-01-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("personal_data_erased_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("session_epoch")
        batch.drop_column("disabled_at")
