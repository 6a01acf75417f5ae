"""/api/incidents/{number}/parent, /merge and /followers: related incidents and followers."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services.related import following, links, merging
from .context import principal, services
from .related_schemas import FollowerChangeSchema, FollowerSchema, MergeSchema, ParentLinkSchema
from .schemas import IncidentSchema

blp = Blueprint(
    "related", __name__, url_prefix="/api/incidents", description="Related incidents and followers"
)


@blp.route("/<string:number>/parent", methods=["POST"])
@blp.arguments(ParentLinkSchema)
@blp.response(200, IncidentSchema)
def link_parent(body, number):
    """Make the incident part of `parent`: resolving the parent resolves it, through its own
    process, with the parent's resolution. 409 for a cycle or a closed incident, 422 for
    itself or an unknown parent (agents)."""
    return links.link_parent(services(), principal(), number, body["parent"])


@blp.route("/<string:number>/parent", methods=["DELETE"])
@blp.response(200, IncidentSchema)
def unlink_parent(number):
    """Take the incident out of its parent; 409 when it has none (agents)."""
    return links.unlink_parent(services(), principal(), number)


@blp.route("/<string:number>/merge", methods=["POST"])
@blp.arguments(MergeSchema)
@blp.response(200, IncidentSchema)
def merge_incident(body, number):
    """Close the incident as a duplicate of `into`, through its process (closure code
    `duplicate`); its reporter and followers follow `into` from then on, which lists it
    under `merged`. 409 when either is closed or for a cycle, 422 for itself (agents)."""
    return merging.merge(services(), principal(), number, body["into"])


@blp.route("/<string:number>/followers", methods=["GET"])
@blp.response(200, FollowerSchema(many=True))
def list_followers(number):
    """Who follows the incident (agents see all; others at most themselves)."""
    return following.list_followers(services(), principal(), number)


@blp.route("/<string:number>/followers", methods=["POST"])
@blp.arguments(FollowerChangeSchema)
@blp.response(200, FollowerSchema(many=True))
def add_follower(body, number):
    """Follow the incident: told of its progress as its reporter is, and may read it. A
    reporter may add only themselves to an incident they see; agents add anyone."""
    return following.follow(services(), principal(), number, body["user"])


@blp.route("/<string:number>/followers", methods=["DELETE"])
@blp.arguments(FollowerChangeSchema)
@blp.response(200, FollowerSchema(many=True))
def remove_follower(body, number):
    """Stop following; a reporter may remove only themselves, agents anyone. 409 when the
    user does not follow it."""
    return following.unfollow(services(), principal(), number, body["user"])
