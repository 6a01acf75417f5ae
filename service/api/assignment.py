"""/api/users/{name}/away and /api/groups/{group}/assignment: who automatic assignment picks."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services.assignment import automatic, away
from .assignment_schemas import (
    AssignmentRuleSchema,
    AssignmentRuleViewSchema,
    AwaySchema,
    AwayViewSchema,
)
from .context import principal, services

blp = Blueprint("assignment", __name__, url_prefix="/api", description="Assignment")


@blp.route("/users/<string:username>/away", methods=["PUT"])
@blp.arguments(AwaySchema)
@blp.response(200, AwayViewSchema)
def set_away(body, username):
    """Mark a user away or back (oneself, a lead of their group, or an admin); automatic
    assignment passes over those away."""
    return away.set_away(services(), principal(), username, body["away"])


@blp.route("/groups/<string:group>/assignment", methods=["GET"])
@blp.response(200, AssignmentRuleViewSchema)
def get_assignment_rule(group):
    """The group's automatic assignment rule (admins and the group's lead)."""
    return automatic.get_rule(services(), principal(), group)


@blp.route("/groups/<string:group>/assignment", methods=["PUT"])
@blp.arguments(AssignmentRuleSchema)
@blp.response(200, AssignmentRuleViewSchema)
def set_assignment_rule(body, group):
    """Set how the group's new tasks are assigned (admins only)."""
    return automatic.set_rule(services(), principal(), group, body["mode"])
