"""breach register

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 22:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _instant(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "breaches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        _instant("aware_at", nullable=False),
        _instant("flagged_at", nullable=False),
        sa.Column("flagged_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("risk", sa.String(length=16), nullable=True),
        sa.Column("risk_rationale", sa.Text(), nullable=True),
        sa.Column("no_notice_reason", sa.Text(), nullable=True),
        sa.Column("contained", sa.Boolean(), nullable=True),
        sa.Column("containment_measures", sa.Text(), nullable=True),
        _instant("authority_due_at"),
        _instant("authority_warning_at"),
        _instant("authority_warned_at"),
        _instant("authority_escalated_at"),
        _instant("authority_notified_at"),
        sa.Column("authority_reference", sa.String(length=200), nullable=True),
        sa.Column("delay_reason", sa.Text(), nullable=True),
        sa.Column("notice", JSON_DOCUMENT, nullable=False),
        _instant("subjects_notified_at"),
        sa.Column("subjects_channel", sa.String(length=32), nullable=True),
        sa.Column("subjects_message", sa.Text(), nullable=True),
        sa.Column("closure_summary", sa.Text(), nullable=True),
        _instant("closed_at"),
        _instant("updated_at", nullable=False),
        sa.ForeignKeyConstraint(
            ["flagged_by_id"], ["users.id"], name=op.f("fk_breaches_flagged_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_breaches_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instances.id"],
            name=op.f("fk_breaches_instance_id_process_instances"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaches")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_breaches_incident_id")),
        sa.UniqueConstraint("number", name=op.f("uq_breaches_number")),
    )
    op.create_index(op.f("ix_breaches_status"), "breaches", ["status"], unique=False)
    op.create_index(op.f("ix_breaches_risk"), "breaches", ["risk"], unique=False)
    op.create_index(
        op.f("ix_breaches_authority_due_at"), "breaches", ["authority_due_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_breaches_authority_due_at"), table_name="breaches")
    op.drop_index(op.f("ix_breaches_risk"), table_name="breaches")
    op.drop_index(op.f("ix_breaches_status"), table_name="breaches")
    op.drop_table("breaches")
