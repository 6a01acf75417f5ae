"""major incidents and their post-incident reviews

Revision ID: 0024
Revises: 0023
Create Date: 2027-03-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "major_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("declared_by_id", sa.Integer(), nullable=True),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("update_minutes", sa.Integer(), nullable=True),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_update", sa.Text(), nullable=True),
        sa.Column("updates", sa.Integer(), nullable=False),
        sa.Column("next_update_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review", JSON_DOCUMENT, nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_major_incidents_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_major_incidents_instance_id_process_instances"),
        ),
        sa.ForeignKeyConstraint(
            ["declared_by_id"], ["users.id"], name=op.f("fk_major_incidents_declared_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["manager_id"], ["users.id"], name=op.f("fk_major_incidents_manager_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by_id"], ["users.id"], name=op.f("fk_major_incidents_reviewed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_major_incidents")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_major_incidents_incident_id")),
    )
    op.create_index(op.f("ix_major_incidents_manager_id"), "major_incidents", ["manager_id"])
    op.create_index(
        op.f("ix_major_incidents_next_update_due_at"), "major_incidents", ["next_update_due_at"]
    )
    op.create_index(op.f("ix_major_incidents_status"), "major_incidents", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_major_incidents_status"), table_name="major_incidents")
    op.drop_index(op.f("ix_major_incidents_next_update_due_at"), table_name="major_incidents")
    op.drop_index(op.f("ix_major_incidents_manager_id"), table_name="major_incidents")
    op.drop_table("major_incidents")
