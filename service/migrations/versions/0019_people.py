"""people and their data: disabled accounts, session epochs, erasure marks

Revision ID: 0019
Revises: 0018
Create Date: 2027-01-10 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


# The trail stays append-only, but for one change: an erasure may rewrite an event's
# `data` and `actor` after recording an audit_redactions row for it in the same
# transaction. Its id, time, type, links and actor id never change; no row is deleted.
_SAME = (
    "NEW.id = OLD.id AND NEW.at IS OLD.at AND NEW.type IS OLD.type"
    " AND NEW.incident_id IS OLD.incident_id AND NEW.instance_id IS OLD.instance_id"
    " AND NEW.actor_id IS OLD.actor_id AND NEW.task_id IS OLD.task_id"
    " AND NEW.element_id IS OLD.element_id"
    " AND EXISTS (SELECT 1 FROM audit_redactions r WHERE r.event_id = OLD.id)"
)
_RAISE_SQLITE = "BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END"
_PG_SAME = _SAME.replace(" IS OLD.", " IS NOT DISTINCT FROM OLD.")


def _triggers(redactable: bool) -> list[str]:
    if op.get_bind().dialect.name == "sqlite":
        when = f" WHEN NOT ({_SAME})" if redactable else ""
        return [
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            f"CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events{when} "
            + _RAISE_SQLITE,
        ]
    allowed = f"IF TG_OP = 'UPDATE' AND {_PG_SAME} THEN RETURN NEW; END IF; " if redactable else ""
    return [
        "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql"
        f" AS $$ BEGIN {allowed}RAISE EXCEPTION 'audit_events is append-only'; END $$",
    ]


def upgrade() -> None:
    op.create_table(
        "audit_redactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("why", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["audit_events.id"],
            name=op.f("fk_audit_redactions_event_id_audit_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_redactions")),
    )
    op.create_index(
        op.f("ix_audit_redactions_event_id"), "audit_redactions", ["event_id"], unique=False
    )
    for statement in _triggers(redactable=True):
        op.execute(statement)
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("incidents") as batch:
        batch.add_column(
            sa.Column("personal_data_erased_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    for statement in _triggers(redactable=False):
        op.execute(statement)
    op.drop_index(op.f("ix_audit_redactions_event_id"), table_name="audit_redactions")
    op.drop_table("audit_redactions")
    with op.batch_alter_table("incidents") as batch:
        batch.drop_column("personal_data_erased_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("session_epoch")
        batch.drop_column("disabled_at")
