"""Alembic environment: runs on the engine the application hands over."""

from alembic import context
from sqlalchemy import text

from service.models import Base

config = context.config
engine = config.attributes["engine"]


def _sqlite_foreign_keys(connection, on: bool) -> None:
    # Straight on the driver, outside any transaction: inside one SQLite ignores it.
    connection.connection.driver_connection.execute(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")


with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch migration copies a table and drops the old one; with foreign keys
        # enforced, dropping a table that rows refer to (users) fails. They are
        # checked all at once before the upgrade commits instead.
        _sqlite_foreign_keys(connection, on=False)
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=config.attributes.get("render_as_batch", sqlite),
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
            if broken:
                raise RuntimeError(f"the migration left rows referring to none: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            _sqlite_foreign_keys(connection, on=True)
