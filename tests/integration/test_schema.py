"""The migrations build exactly the tables the models describe; the audit trail is append-only."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from service.db import Database
from service.models import Base
from tests.helpers import open_incident


def _described(name, type_, _parent_names) -> bool:
    # SQLite's FTS5 search table and its shadow tables are no SQLAlchemy tables.
    return not (type_ == "table" and name.startswith("incident_search_fts"))


def test_migrations_match_the_models(database_url):
    database = Database(database_url)
    try:
        with database.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True, "include_name": _described}
            )
            assert compare_metadata(context, Base.metadata) == []
        assert database.current_revision() is not None
    finally:
        database.dispose()


def test_the_audit_trail_cannot_be_changed(api, svc):
    open_incident(api.rita)
    for statement in ("UPDATE audit_events SET actor = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), svc.db.engine.begin() as connection:
            connection.execute(text(statement))
    with svc.db.engine.connect() as connection:
        actors = connection.execute(text("SELECT DISTINCT actor FROM audit_events")).scalars().all()
    assert actors == ["rita"]


def test_naive_datetimes_are_refused(svc):
    from datetime import datetime

    from service.models import User

    with svc.db.unit_of_work() as uow:
        uow.session.add(User(username="naive", created_at=datetime(2026, 1, 1)))  # noqa: DTZ001
        with pytest.raises(Exception, match="naive datetime refused"):
            uow.session.flush()
