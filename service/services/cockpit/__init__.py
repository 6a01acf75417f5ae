"""The owners' cockpit: read models of processes, versions, where work waits, and comparisons.

Every function here reads only, and refuses anyone but process owners and admins.
"""

from __future__ import annotations

from ...domain import access
from ...domain.access import Principal
from ...domain.errors import Forbidden


def require_owner(principal: Principal) -> None:
    if not access.may_use_cockpit(principal):
        raise Forbidden("the process pages are for process owners and admins")
