"""Known errors that answer an agent's search: the open ones sharing its telling words,
shown, with their workaround, before the incidents the search finds."""

from __future__ import annotations

from ...domain import access
from ...domain.access import Principal
from ...domain.search_text import telling_words
from ..context import Services
from .matching import matching
from .views import KnownErrorView, known_error_views

# Above a list of incidents, a few answers are read; more would push the list away.
SHOWN = 3


def answering(
    svc: Services, principal: Principal, text: str | None, *, category: str | None = None
) -> list[KnownErrorView]:
    """Best matches first; none for reporters (known errors are internal records) or
    for a search without telling words."""
    if not access.may_work_known_errors(principal):
        return []
    wanted = telling_words(text)
    if not wanted:
        return []
    with svc.db.read() as uow:
        found = matching(uow.session, wanted, category, limit=SHOWN)
        return known_error_views(uow.session, [row for row, _shared in found])
