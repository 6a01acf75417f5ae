"""Matching and ranking in the database: FTS5 and bm25() on SQLite, a tsvector,
websearch_to_tsquery() and ts_rank() on PostgreSQL, both over folded text."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Float, Integer, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.sql import Subquery

from ...domain.search_text import SearchQuery, Term, fold
from ...models.search import FIELDS
from . import snippets
from .snippets import Snippet

# bm25() weights, in the FTS5 columns' order (title, number, description, comments,
# resolution, reporter): a word in the title counts for ten in a comment.
_SQLITE_MATCHES = text(
    "SELECT s.incident_id AS incident_id,"
    " -bm25(incident_search_fts, 10.0, 10.0, 4.0, 1.0, 2.0, 2.0) AS rank"
    " FROM incident_search_fts JOIN incident_search AS s ON s.id = incident_search_fts.rowid"
    " WHERE incident_search_fts MATCH :match AND s.audience = :audience"
)
_POSTGRES_MATCHES = text(
    "SELECT s.incident_id AS incident_id, ts_rank(s.document, q.query) AS rank"
    " FROM incident_search AS s, websearch_to_tsquery('simple', :match) AS q(query)"
    " WHERE s.audience = :audience AND s.document @@ q.query"
)
_SQLITE_HIGHLIGHTS = text(
    "SELECT s.incident_id, s.title, s.number, s.description, s.comments, s.resolution,"
    " s.reporter,"
    " highlight(incident_search_fts, 0, :start, :stop),"
    " highlight(incident_search_fts, 1, :start, :stop),"
    " highlight(incident_search_fts, 2, :start, :stop),"
    " highlight(incident_search_fts, 3, :start, :stop),"
    " highlight(incident_search_fts, 4, :start, :stop),"
    " highlight(incident_search_fts, 5, :start, :stop)"
    " FROM incident_search_fts JOIN incident_search AS s ON s.id = incident_search_fts.rowid"
    " WHERE incident_search_fts MATCH :match AND s.audience = :audience"
    " AND s.incident_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_POSTGRES_FIELDS = text(
    "SELECT incident_id, title, number, description, comments, resolution, reporter"
    " FROM incident_search WHERE audience = :audience AND incident_id IN :ids"
).bindparams(bindparam("ids", expanding=True))
_POSTGRES_HEADLINES = text(
    "SELECT u.ord, ts_headline('simple', u.t, websearch_to_tsquery('simple', :match), :options)"
    " FROM unnest(CAST(:texts AS text[])) WITH ORDINALITY AS u(t, ord)"
)
_HEADLINE_OPTIONS = f"HighlightAll=true, StartSel={snippets.START}, StopSel={snippets.STOP}"


def matches(session: Session, query: SearchQuery, audience: str) -> Subquery:
    """(incident_id, rank) of the rows `audience` may search that match; higher ranks first."""
    if _postgres(session):
        statement = _POSTGRES_MATCHES.bindparams(match=websearch(query), audience=audience)
    else:
        statement = _SQLITE_MATCHES.bindparams(match=fts5(query), audience=audience)
    return statement.columns(incident_id=Integer, rank=Float).subquery("hits")


def highlights(
    session: Session, query: SearchQuery, audience: str, incident_ids: Sequence[int]
) -> dict[int, list[Snippet]]:
    """The snippets of each of these incidents' matching fields."""
    if not incident_ids or not query:
        return {}
    if _postgres(session):
        return _postgres_highlights(session, query, audience, list(incident_ids))
    found: dict[int, list[Snippet]] = {}
    params = {
        "match": fts5(query),
        "audience": audience,
        "ids": list(incident_ids),
        "start": snippets.START,
        "stop": snippets.STOP,
    }
    for row in session.execute(_SQLITE_HIGHLIGHTS, params):
        originals, marked = row[1:7], row[7:13]
        found[row[0]] = _snippets(originals, marked)
    return found


def _postgres_highlights(session, query, audience, ids) -> dict[int, list[Snippet]]:
    rows = session.execute(_POSTGRES_FIELDS, {"audience": audience, "ids": ids}).all()
    texts = [fold(value) for row in rows for value in row[1:7]]
    marked = dict(
        session.execute(
            _POSTGRES_HEADLINES,
            {"match": websearch(query), "options": _HEADLINE_OPTIONS, "texts": texts},
        ).all()
    )
    width = len(FIELDS)
    return {
        row[0]: _snippets(row[1:7], [marked.get(i * width + k + 1, "") for k in range(width)])
        for i, row in enumerate(rows)
    }


def _snippets(originals: Sequence[str], marked: Sequence[str]) -> list[Snippet]:
    found = []
    for name, original, highlighted in zip(FIELDS, originals, marked, strict=True):
        if not original or not highlighted:
            continue
        made = snippets.snippet(name, original, snippets.marked_spans(highlighted, fold(original)))
        if made is not None:
            found.append(made)
    return found


def fts5(query: SearchQuery) -> str:
    """An FTS5 MATCH expression: every word a quoted string, so no input is syntax."""
    return " OR ".join(
        "(" + " AND ".join(_wanted(group)) + "".join(f" NOT {t}" for t in _unwanted(group)) + ")"
        for group in query.groups
    )


def websearch(query: SearchQuery) -> str:
    """Input for websearch_to_tsquery() made of quoted folded words only, so it reads as
    meant (a bare "or" would be its operator)."""
    return " or ".join(
        " ".join(_wanted(group)) + "".join(f" -{t}" for t in _unwanted(group))
        for group in query.groups
    )


def _wanted(group: Sequence[Term]) -> list[str]:
    return [_quoted(t) for t in group if not t.negated]


def _unwanted(group: Sequence[Term]) -> list[str]:
    return [_quoted(t) for t in group if t.negated]


def _quoted(term: Term) -> str:
    # Folded words hold letters and digits only: nothing in them needs escaping.
    return '"' + " ".join(term.words) + '"'


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"
