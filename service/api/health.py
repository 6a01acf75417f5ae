"""/health: the only endpoint that needs no token."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services.health import database_reachable
from .context import services
from .schemas import HealthSchema

blp = Blueprint("health", __name__, description="Health")


@blp.route("/health", methods=["GET"])
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=HealthSchema, description="the database cannot be reached")
def health():
    """Whether the service and its database answer (no token needed)."""
    ok = database_reachable(services())
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else "unreachable"}
    return body, 200 if ok else 503
