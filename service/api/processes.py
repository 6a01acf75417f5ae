"""/api/processes and /api/instances: the generic process API for integrators."""

from __future__ import annotations

from flask_smorest import Blueprint

from ..services import processes
from ..services.locale import preferences
from .context import CREATED_HEADERS, created, principal, services, svg
from .schemas import (
    IdempotencyHeaderSchema,
    InstanceSchema,
    MePatchSchema,
    MeSchema,
    ProcessDataSchema,
    ProcessSchema,
)

blp = Blueprint("processes", __name__, url_prefix="/api", description="Processes and instances")


@blp.route("/processes", methods=["GET"])
@blp.response(200, ProcessSchema(many=True))
def list_processes():
    """Deployed processes with their latest version."""
    return processes.list_processes(services(), principal())


@blp.route("/processes/<string:process_id>/instances", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(ProcessDataSchema)
@blp.response(201, InstanceSchema, headers=CREATED_HEADERS)
def start_instance(headers, data, process_id):
    """Start any deployed process with data (incidents: POST /api/incidents)."""
    view, replayed = processes.start_process(
        services(), principal(), process_id, data, idempotency_key=headers.get("idempotency_key")
    )
    return created(view, f"/api/instances/{view.id}", replayed=replayed)


@blp.route("/instances/<int:instance_id>", methods=["GET"])
@blp.response(200, InstanceSchema)
def get_instance(instance_id):
    """A process instance: where it stands, and its data for those who may read it."""
    return processes.get_instance(services(), principal(), instance_id)


@blp.route("/instances/<int:instance_id>/diagram.svg", methods=["GET"])
@blp.response(200, content_type="image/svg+xml", description="SVG")
def instance_diagram(instance_id):
    """The instance's process drawn from its BPMN, with what has run (class
    `completed`), where it waits (`active`), what was cut short (`cancelled`) and
    the flows taken (`taken`). Agents, process owners and admins, and the
    integrator who started it."""
    return svg(processes.instance_diagram(services(), principal(), instance_id))


@blp.route("/me", methods=["GET"])
@blp.response(200, MeSchema)
def me():
    """Who the token belongs to, and the language and time zone they read the desk in."""
    who = principal()
    return _me(who, preferences.effective(services(), who))


@blp.route("/me", methods=["PATCH"])
@blp.arguments(MePatchSchema)
@blp.response(200, MeSchema)
def update_me(data):
    """Change your language (`en`, `el`) or time zone (an IANA name); null: the default."""
    who = principal()
    return _me(who, preferences.update(services(), who, **data))


def _me(who, chosen: preferences.Preferences) -> dict:
    return {
        "username": who.username,
        "groups": sorted(who.groups),
        "language": chosen.language,
        "time_zone": chosen.time_zone,
    }
