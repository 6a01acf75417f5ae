"""alerts from monitoring

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 22:40:00.000000
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
# 0004 (the notification outbox) is written at the same time; whoever merges
# both re-chains this onto it.
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alert_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("check_name", sa.String(length=200), nullable=False),
        sa.Column("resource", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_status", sa.String(length=16), nullable=False),
        sa.Column("last_severity", sa.String(length=16), nullable=False),
        sa.Column("last_summary", sa.String(length=1024), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_alert_groups_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_groups")),
    )
    op.create_index(
        op.f("ix_alert_groups_incident_id"), "alert_groups", ["incident_id"], unique=False
    )
    op.create_index("ix_alert_groups_last_seen_at", "alert_groups", ["last_seen_at"], unique=False)
    op.create_index(
        "uq_alert_groups_open_dedup_key",
        "alert_groups",
        ["dedup_key"],
        unique=True,
        sqlite_where=sa.text("open"),
        postgresql_where=sa.text("open"),
    )


def downgrade() -> None:
    op.drop_index("uq_alert_groups_open_dedup_key", table_name="alert_groups")
    op.drop_index("ix_alert_groups_last_seen_at", table_name="alert_groups")
    op.drop_index(op.f("ix_alert_groups_incident_id"), table_name="alert_groups")
    op.drop_table("alert_groups")
