"""The rows that bind a dedup key to its open incident, and their locks.

Kept apart from the use cases in `alerts` because closing an incident
(`projection`) releases its key, and the use cases import the incident
lifecycle: this module imports nothing of the services.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..domain.alerts import AlertStatus
from ..models import AlertGroup

_LOCK_OPEN = (
    select(AlertGroup)
    .where(AlertGroup.dedup_key == bindparam("dedup_key"), AlertGroup.open.is_(True))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_open(session: Session, dedup_key: str) -> AlertGroup | None:
    """The open row of a key, locked until the transaction ends (SQLite: its write
    transaction already holds the database's write lock)."""
    return session.scalar(_LOCK_OPEN, {"dedup_key": dedup_key})


def claim(session: Session, values: dict[str, Any]) -> int | None:
    """Insert the open row of a key; its id, or None when another transaction has one.

    On PostgreSQL a concurrent insert of the same key waits here until the first
    transaction ends: if it committed, nothing is inserted and the caller attaches
    to its row; if it rolled back, this insert goes ahead. Catching the
    IntegrityError instead would abort the whole transaction.
    """
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(AlertGroup).values(**values).on_conflict_do_nothing().returning(AlertGroup.id)
    )
    return session.scalar(statement)


def count_repeat(
    session: Session, dedup_key: str, changes: dict[str, Any]
) -> tuple[int, int] | None:
    """A firing alert whose key's last alert was firing too, counted in one statement:
    (incident id, new count), or None when the key has no open row or its last alert
    was a clear (the caller then takes the row's lock and looks closer).

    This is nearly every alert of a storm. The row is locked only from this
    statement to the commit; a concurrent clear or closure is seen, since
    PostgreSQL checks the condition again on the row it waited for.
    """
    return session.execute(
        update(AlertGroup)
        .where(
            AlertGroup.dedup_key == dedup_key,
            AlertGroup.open.is_(True),
            AlertGroup.last_status == AlertStatus.FIRING.value,
        )
        .values(count=AlertGroup.count + 1, **changes)
        .returning(AlertGroup.incident_id, AlertGroup.count)
        .execution_options(synchronize_session=False)
    ).first()


def count_alert(session: Session, group_id: int, changes: dict[str, Any]) -> int:
    """Add one alert to a row; the new count. Computed by the database, so that no
    increment is lost whatever the caller read before."""
    return session.execute(
        update(AlertGroup)
        .where(AlertGroup.id == group_id)
        .values(count=AlertGroup.count + 1, **changes)
        .returning(AlertGroup.count)
        .execution_options(synchronize_session=False)
    ).scalar_one()


def release(session: Session, incident_id: int) -> None:
    """The incident closed: the next firing alert under its key opens a new one."""
    session.execute(
        update(AlertGroup)
        .where(AlertGroup.incident_id == incident_id, AlertGroup.open.is_(True))
        .values(open=False)
        .execution_options(synchronize_session=False)
    )
