"""Pages of query results."""

from __future__ import annotations


def offset_of(page: int, page_size: int, total: int) -> int | None:
    """The OFFSET of a page, or None when it lies past the last row.

    Checking against the total first also keeps absurd page numbers (2**62)
    away from the database's integer types.
    """
    offset = (page - 1) * page_size
    return offset if offset < total else None
