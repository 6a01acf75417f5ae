"""related incidents (parent and child, duplicates merged) and followers

Revision ID: 0022
Revises: 0021
Create Date: 2027-02-20 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_parent_id_incidents"), "incidents", ["parent_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_incidents_merged_into_id_incidents"),
            "incidents",
            ["merged_into_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_incidents_parent_id"), ["parent_id"])
        batch_op.create_index(batch_op.f("ix_incidents_merged_into_id"), ["merged_into_id"])
    op.create_table(
        "incident_followers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_followers_incident_id_incidents"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_incident_followers_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_incident_followers_added_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_followers")),
        sa.UniqueConstraint(
            "incident_id", "user_id", name=op.f("uq_incident_followers_incident_id_user_id")
        ),
    )
    op.create_index(
        op.f("ix_incident_followers_incident_id"), "incident_followers", ["incident_id"]
    )
    op.create_index(op.f("ix_incident_followers_user_id"), "incident_followers", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_followers_user_id"), table_name="incident_followers")
    op.drop_index(op.f("ix_incident_followers_incident_id"), table_name="incident_followers")
    op.drop_table("incident_followers")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_merged_into_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_parent_id"))
        batch_op.drop_constraint(
            batch_op.f("fk_incidents_merged_into_id_incidents"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("fk_incidents_parent_id_incidents"), type_="foreignkey")
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("parent_id")
