"""full-text search index of incidents, filled from the incidents already there

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 14:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

FIELDS = ("title", "number", "description", "comments", "resolution", "reporter")


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "incident_search",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=8), nullable=False),
        *(sa.Column(name, sa.Text(), nullable=False) for name in FIELDS),
        sa.Column("document", postgresql.TSVECTOR() if postgres else sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_incident_search_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_incident_search"),
    )
    op.create_index("ix_incident_search_incident_id", "incident_search", ["incident_id"])
    op.create_index(
        "ix_incident_search_document",
        "incident_search",
        ["document"],
        postgresql_using="gin",
    )
    if not postgres:
        # The folded text (service.domain.search_text), matched by FTS5; rowid is
        # incident_search.id.
        op.execute(
            f"CREATE VIRTUAL TABLE incident_search_fts USING fts5({', '.join(FIELDS)}, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
    # The index is derived data: the service's own writer fills it, so the rows
    # are exactly what later writes would make.
    from service.services.search.index import reindex_all

    reindex_all(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE incident_search_fts")
    op.drop_index("ix_incident_search_document", table_name="incident_search")
    op.drop_index("ix_incident_search_incident_id", table_name="incident_search")
    op.drop_table("incident_search")
