"""a version's content hash is no longer unique: old files deployed again are a new version

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_versions") as batch:
        batch.drop_constraint("uq_process_versions_process_id_content_hash", type_="unique")
    with op.batch_alter_table("decision_versions") as batch:
        batch.drop_constraint("uq_decision_versions_decision_id_content_hash", type_="unique")


def downgrade() -> None:
    # Only possible while no content was deployed twice; keep the first of each.
    for table, key in (("process_versions", "process_id"), ("decision_versions", "decision_id")):
        rows = sa.table(table, sa.column("id"), sa.column(key), sa.column("content_hash"))
        twice = (
            sa.select(rows.c[key])
            .group_by(rows.c[key], rows.c.content_hash)
            .having(sa.func.count() > 1)
            .limit(1)
        )
        if op.get_bind().execute(twice).first() is not None:
            raise RuntimeError(f"{table} holds rollbacks (content deployed twice)")
        with op.batch_alter_table(table) as batch:
            batch.create_unique_constraint(f"uq_{table}_{key}_content_hash", [key, "content_hash"])
