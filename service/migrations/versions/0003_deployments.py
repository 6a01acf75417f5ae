"""deployments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 21:15:26.437166
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.Column("summary", JSON_DOCUMENT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_table(
        "decision_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_decision_versions_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["process_files.id"],
            name=op.f("fk_decision_versions_file_id_process_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_versions")),
        sa.UniqueConstraint(
            "decision_id",
            "content_hash",
            name=op.f("uq_decision_versions_decision_id_content_hash"),
        ),
        sa.UniqueConstraint(
            "decision_id", "version", name=op.f("uq_decision_versions_decision_id_version")
        ),
    )
    op.create_table(
        "deployment_files",
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_files_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["process_files.id"],
            name=op.f("fk_deployment_files_file_id_process_files"),
        ),
        sa.PrimaryKeyConstraint("deployment_id", "file_id", name=op.f("pk_deployment_files")),
    )
    with op.batch_alter_table("process_files", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=8), nullable=False, server_default="bpmn")
        )
    op.execute("UPDATE process_files SET kind = 'dmn' WHERE name LIKE '%.dmn'")

    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployment_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_process_versions_deployment_id_deployments"),
            "deployments",
            ["deployment_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("process_versions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_process_versions_deployment_id_deployments"), type_="foreignkey"
        )
        batch_op.drop_column("deployment_id")

    with op.batch_alter_table("process_files", schema=None) as batch_op:
        batch_op.drop_column("kind")

    op.drop_table("deployment_files")
    op.drop_table("decision_versions")
    op.drop_table("deployments")
