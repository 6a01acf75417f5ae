"""Pages of query results."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


def offset_of(page: int, page_size: int, total: int) -> int | None:
    """The OFFSET of a page, or None when it lies past the last row.

    Checking against the total first also keeps absurd page numbers (2**62)
    away from the database's integer types.
    """
    offset = (page - 1) * page_size
    return offset if offset < total else None


def page_of(
    session: Session, table: Any, where: list, query: Select, *, page: int, page_size: int
) -> tuple[list, int]:
    """(rows of the page, total rows) of `query`, which is `table` filtered by `where`
    (joins that add columns, not rows, may be on `query`); the total counts `table` alone."""
    total = session.scalar(select(func.count()).select_from(table).where(*where)) or 0
    offset = offset_of(page, page_size, total)
    if offset is None:
        return [], total
    return session.execute(query.where(*where).limit(page_size).offset(offset)).all(), total
