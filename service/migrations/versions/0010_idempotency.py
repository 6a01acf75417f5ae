"""idempotency keys for every request that creates something, not only incidents

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 13:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.add_column(
            sa.Column(
                "operation", sa.String(length=64), nullable=False, server_default="open_incident"
            )
        )
        batch.add_column(sa.Column("result", JSON_DOCUMENT, nullable=True))
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch:
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
        batch.drop_column("result")
        batch.drop_column("operation")
