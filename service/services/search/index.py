"""Keeping the search index in step: every transaction that changes an incident's
searchable text rewrites its index rows before it commits, so a failed request
leaves the index as it was and a committed one is found at once."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, delete, insert, inspect, select, text
from sqlalchemy.orm import Session

from ...domain.search_text import fold
from ...models import Comment, Incident, IncidentSearch, User
from ...models.search import FIELDS

PUBLIC, AGENTS = "public", "agent"
# Where the incidents waiting for a rewrite are kept, in the session's info: those
# whose rows are written again from the database, and those where only fields the
# two rows share changed, rewritten from the incident in the session.
_STALE = "search.stale"
_SHARED_STALE = "search.shared"
# The incident columns whose text is searched (a change of any other leaves the index).
_SEARCHED = frozenset(
    {
        "title",
        "description",
        "resolution",
        "closure_code",
        "number",
        "reporter_name",
        "reporter_contact",
        "reporter_id",
    }
)
# Searched columns whose text both rows (public and agents') hold alike.
_SHARED = frozenset({"title", "description", "resolution", "closure_code", "number"})
# A field's indexed text stops here: a huge comment thread is found by its first pages,
# and PostgreSQL's tsvector (at most 1 MB) holds every field of the longest incident.
MAX_FIELD_CHARS = 100_000
# Written out rather than built from FIELDS so that no SQL is assembled from strings.
# ts_rank's weights by letter: the title and number count most, comments least.
_PG_INSERT = text(
    "INSERT INTO incident_search (id, incident_id, audience, title, number, description,"
    " comments, resolution, reporter, document) VALUES (:id, :incident_id, :audience,"
    " :title, :number, :description, :comments, :resolution, :reporter,"
    " setweight(to_tsvector('simple', :f_title), 'A')"
    " || setweight(to_tsvector('simple', :f_number), 'A')"
    " || setweight(to_tsvector('simple', :f_description), 'B')"
    " || setweight(to_tsvector('simple', :f_comments), 'D')"
    " || setweight(to_tsvector('simple', :f_resolution), 'C')"
    " || setweight(to_tsvector('simple', :f_reporter), 'C'))"
)
_FTS_INSERT = text(
    "INSERT INTO incident_search_fts (rowid, title, number, description, comments,"
    " resolution, reporter) VALUES (:id, :f_title, :f_number, :f_description, :f_comments,"
    " :f_resolution, :f_reporter)"
)
_FTS_DELETE = text(
    "DELETE FROM incident_search_fts WHERE rowid IN"
    " (SELECT id FROM incident_search WHERE incident_id IN :ids)"
).bindparams(bindparam("ids", expanding=True))


def note_changes(session: Session, _flush_context) -> None:
    """After a flush: remember the incidents whose searched text just changed."""
    stale = session.info.setdefault(_STALE, set())
    shared = session.info.setdefault(_SHARED_STALE, set())
    for obj in [*session.new, *session.dirty, *session.deleted]:
        if isinstance(obj, Comment):
            stale.add(obj.incident_id)
        elif isinstance(obj, Incident):
            changed = _SEARCHED if obj in session.new else _changed(obj)
            if changed and changed <= _SHARED and obj in session.dirty:
                shared.add(obj.id)
            elif changed:
                stale.add(obj.id)


def _changed(incident: Incident) -> set[str]:
    attrs = inspect(incident).attrs
    return {name for name in _SEARCHED if attrs[name].history.has_changes()}


def refresh(session: Session) -> None:
    """Before commit: rewrite the rows of the incidents noted since the last one."""
    # Commit flushes only after its before_commit hooks: flush now to see every change.
    session.flush()
    stale = session.info.pop(_STALE, set())
    shared = session.info.pop(_SHARED_STALE, set()) - stale
    if stale:
        reindex(session.connection(), sorted(i for i in stale if i is not None))
    if shared:
        _rewrite_shared(session, sorted(shared))


def forget(session: Session) -> None:
    session.info.pop(_STALE, None)
    session.info.pop(_SHARED_STALE, None)


def reindex(connection: Connection, incident_ids: Iterable[int]) -> None:
    """Rewrite the index rows of these incidents from what is stored now."""
    ids = list(incident_ids)
    for start in range(0, len(ids), 500):
        _reindex(connection, ids[start : start + 500])


def reindex_all(connection: Connection) -> None:
    reindex(connection, connection.scalars(select(Incident.id).order_by(Incident.id)).all())


def _reindex(connection: Connection, ids: list[int]) -> None:
    if not ids:
        return
    postgres = connection.dialect.name == "postgresql"
    if not postgres:
        connection.execute(_FTS_DELETE, {"ids": ids})
    connection.execute(delete(IncidentSearch).where(IncidentSearch.incident_id.in_(ids)))
    rows = [row for document in _documents(connection, ids) for row in document]
    if not rows:
        return
    if postgres:
        connection.execute(_PG_INSERT, rows)
        return
    connection.execute(insert(IncidentSearch), [_stored(row) for row in rows])
    connection.execute(_FTS_INSERT, rows)


def _rewrite_shared(session: Session, ids: list[int]) -> None:
    """Rewrite the shared fields of these incidents' two rows from the incidents in the
    session (a resolution, a closure, an edited title): no comments or people to read."""
    connection = session.connection()
    rows = []
    for incident_id in ids:
        incident = session.get(Incident, incident_id)
        if incident is None:
            continue
        fields = _shared_fields(incident)
        for row_id in (incident_id * 2, incident_id * 2 + 1):
            row = {"row_id": row_id}
            for name, value in fields.items():
                row[name] = stored_text(value)
                row[f"f_{name}"] = fold(row[name])
            rows.append(row)
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(_SQLITE_SHARED, rows)
        connection.execute(_FTS_SHARED, rows)
        return
    # PostgreSQL's document weighs every field: the others come from the rows.
    kept = {
        row.id: row
        for row in connection.execute(
            select(IncidentSearch.id, IncidentSearch.comments, IncidentSearch.reporter).where(
                IncidentSearch.id.in_([row["row_id"] for row in rows])
            )
        )
    }
    rows = [
        row | {"f_comments": fold(kept[row["row_id"]].comments or ""),
               "f_reporter": fold(kept[row["row_id"]].reporter or "")}
        for row in rows
        if row["row_id"] in kept
    ]  # fmt: skip
    if rows:
        connection.execute(_PG_SHARED, rows)


def _shared_fields(incident: Incident) -> dict[str, str]:
    return {
        "title": incident.title,
        "number": incident.number or "",
        "description": incident.description,
        "resolution": " ".join(v for v in (incident.resolution, incident.closure_code) if v),
    }


_SQLITE_SHARED = text(
    "UPDATE incident_search SET title = :title, number = :number,"
    " description = :description, resolution = :resolution WHERE id = :row_id"
)
_FTS_SHARED = text(
    "UPDATE incident_search_fts SET title = :f_title, number = :f_number,"
    " description = :f_description, resolution = :f_resolution WHERE rowid = :row_id"
)
_PG_SHARED = text(
    "UPDATE incident_search SET title = :title, number = :number,"
    " description = :description, resolution = :resolution,"
    " document = setweight(to_tsvector('simple', :f_title), 'A')"
    " || setweight(to_tsvector('simple', :f_number), 'A')"
    " || setweight(to_tsvector('simple', :f_description), 'B')"
    " || setweight(to_tsvector('simple', :f_comments), 'D')"
    " || setweight(to_tsvector('simple', :f_resolution), 'C')"
    " || setweight(to_tsvector('simple', :f_reporter), 'C')"
    " WHERE id = :row_id"
)


def _stored(row: dict) -> dict:
    return {key: value for key, value in row.items() if not key.startswith("f_")}


def _documents(connection: Connection, ids: list[int]) -> list[list[dict]]:
    incidents = connection.execute(
        select(
            Incident.id,
            Incident.number,
            Incident.title,
            Incident.description,
            Incident.resolution,
            Incident.closure_code,
            Incident.reporter_name,
            Incident.reporter_contact,
            User.username,
            User.display_name,
            User.contact,
        )
        .join(User, User.id == Incident.reporter_id)
        .where(Incident.id.in_(ids))
    ).all()
    replies: dict[int, list[tuple[str, bool]]] = {}
    for incident_id, body, public in connection.execute(
        select(Comment.incident_id, Comment.body, Comment.public)
        .where(Comment.incident_id.in_(ids))
        .order_by(Comment.id)
    ):
        replies.setdefault(incident_id, []).append((body, public))
    return [_document_pair(row, replies.get(row.id, [])) for row in incidents]


def _document_pair(row, replies: list[tuple[str, bool]]) -> list[dict]:
    shared = {
        "title": row.title,
        "number": row.number or "",
        "description": row.description,
        "resolution": " ".join(v for v in (row.resolution, row.closure_code) if v),
    }
    public = "\n".join(body for body, is_public in replies if is_public)
    everything = "\n".join(body for body, _ in replies)
    reporter = " ".join(
        dict.fromkeys(
            v
            for v in (
                row.reporter_name,
                row.reporter_contact,
                row.username,
                row.display_name,
                row.contact,
            )
            if v
        )
    )
    return [
        _row(row.id * 2, row.id, PUBLIC, shared | {"comments": public, "reporter": ""}),
        _row(
            row.id * 2 + 1, row.id, AGENTS, shared | {"comments": everything, "reporter": reporter}
        ),
    ]


def _row(row_id: int, incident_id: int, audience: str, fields: dict[str, str]) -> dict:
    row: dict = {"id": row_id, "incident_id": incident_id, "audience": audience}
    for name in FIELDS:
        value = stored_text(fields[name])
        row[name] = value
        row[f"f_{name}"] = fold(value)
    return row


def stored_text(value: str | None) -> str:
    """What the index keeps of a field: composed (so folding keeps positions), bounded."""
    return unicodedata.normalize("NFC", value or "")[:MAX_FIELD_CHARS]
