"""known errors and the incidents they explain

Revision ID: 0021
Revises: 0020
Create Date: 2027-02-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "known_errors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("symptom", sa.String(length=200), nullable=False),
        sa.Column("cause", sa.Text(), nullable=True),
        sa.Column("workaround", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fixed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_known_errors_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_errors")),
    )
    op.create_index(op.f("ix_known_errors_category"), "known_errors", ["category"])
    op.create_index(op.f("ix_known_errors_created_by_id"), "known_errors", ["created_by_id"])
    op.create_index(op.f("ix_known_errors_status"), "known_errors", ["status"])
    op.create_table(
        "known_error_incidents",
        sa.Column("known_error_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_known_error_incidents_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["known_error_id"],
            ["known_errors.id"],
            name=op.f("fk_known_error_incidents_known_error_id_known_errors"),
        ),
        sa.PrimaryKeyConstraint(
            "known_error_id", "incident_id", name=op.f("pk_known_error_incidents")
        ),
    )
    op.create_index(
        op.f("ix_known_error_incidents_incident_id"), "known_error_incidents", ["incident_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_known_error_incidents_incident_id"), table_name="known_error_incidents")
    op.drop_table("known_error_incidents")
    op.drop_index(op.f("ix_known_errors_status"), table_name="known_errors")
    op.drop_index(op.f("ix_known_errors_created_by_id"), table_name="known_errors")
    op.drop_index(op.f("ix_known_errors_category"), table_name="known_errors")
    op.drop_table("known_errors")
