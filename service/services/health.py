"""Is the service able to work?"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .context import Services

log = logging.getLogger(__name__)


def database_reachable(svc: Services) -> bool:
    try:
        with svc.db.read() as uow:
            uow.session.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError as exc:
        log.warning("health check: database unreachable: %s", exc.__class__.__name__)
        return False
