"""/api/incidents/{number}/major and /review: major incidents and post-incident reviews."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services.major import declaration, reviews
from .context import CREATED_HEADERS, created, principal, services
from .major_schemas import MajorDeclareSchema, MajorSchema, ReviewSchema

blp = Blueprint("major", __name__, url_prefix="/api", description="Major incidents")


@blp.route("/incidents/<string:number>/major", methods=["POST"])
@blp.arguments(MajorDeclareSchema)
@blp.response(201, MajorSchema, headers=CREATED_HEADERS)
def declare_major(body, number):
    """Declare the incident major (L3 agents and group leads; once, while it is open):
    starts the major-incident process beside it, tells the stakeholders and asks the
    manager for status updates on the cadence of major_cadence.dmn."""
    view = declaration.declare_major(
        services(), principal(), number, declaration.DeclareMajor(**body)
    )
    return created(view, f"/api/incidents/{number}")


@blp.route("/incidents/<string:number>/review", methods=["GET"])
@blp.response(200, ReviewSchema)
def get_review(number):
    """The post-incident review of a major incident: timeline, cause, actions (404 until
    recorded; for the service desk, not reporters)."""
    return reviews.get_review(services(), principal(), number)
