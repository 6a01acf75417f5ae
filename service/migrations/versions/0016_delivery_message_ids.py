"""each e-mail delivery's Message-ID as a column, so a bounce finds its delivery

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 10:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Rows per read and write: the outbox of a busy desk is large, and one statement
# per batch keeps memory and lock time small on both databases.
BATCH = 500

_deliveries = sa.table(
    "deliveries",
    sa.column("id", sa.Integer()),
    sa.column("channel", sa.String()),
    sa.column("payload", sa.JSON()),
    sa.column("message_id", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(sa.Column("message_id", sa.String(length=250), nullable=True))
        batch.create_index("ix_deliveries_message_id", ["message_id"])
    _backfill(op.get_bind())


def _backfill(connection) -> None:
    """Copy payload["message_id"] of the e-mail deliveries already there, by id order."""
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_deliveries.c.id, _deliveries.c.payload)
            .where(_deliveries.c.channel == "email", _deliveries.c.id > last)
            .order_by(_deliveries.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        found = []
        for row in rows:
            payload = json.loads(row.payload) if isinstance(row.payload, str) else row.payload
            if isinstance(payload, dict) and payload.get("message_id"):
                found.append({"row_id": row.id, "found": str(payload["message_id"])[:250]})
        if found:
            connection.execute(
                _deliveries.update()
                .where(_deliveries.c.id == sa.bindparam("row_id"))
                .values(message_id=sa.bindparam("found")),
                found,
            )


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_message_id")
        batch.drop_column("message_id")
