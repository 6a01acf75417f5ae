"""/api/instances/{id}/suspend|resume|terminate|retry|reset and retiring versions."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from ..services import instances
from ..services.instances.operations import MAX_REASON
from .context import principal, services

blp = Blueprint(
    "instance_operations",
    __name__,
    url_prefix="/api",
    description="Process owners' operations on instances and versions",
)


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("give a reason")


class ReasonRequestSchema(ma.Schema):
    reason = ma.fields.String(
        required=True,
        validate=[ma.validate.Length(min=1, max=MAX_REASON), _not_blank],
        metadata={"description": "why: kept in the audit trail"},
    )


class ResetRequestSchema(ReasonRequestSchema):
    task = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=36),
        metadata={"description": "the id of a completed task, from the reset points"},
    )


class InstanceStateSchema(ma.Schema):
    id = ma.fields.Integer()
    process_id = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String(
        metadata={"enum": ["running", "suspended", "completed", "terminated"]}
    )
    reason = ma.fields.String(
        allow_none=True, metadata={"description": "why it is suspended or was terminated"}
    )
    incident_number = ma.fields.String(allow_none=True)
    updated_at = ma.fields.AwareDateTime()


class ResetPointSchema(ma.Schema):
    task_id = ma.fields.String()
    element_id = ma.fields.String()
    name = ma.fields.String()
    lane = ma.fields.String(allow_none=True)
    completed_at = ma.fields.AwareDateTime(allow_none=True)
    data = ma.fields.Dict(metadata={"description": "the data the step left"})


class RetiredSchema(ma.Schema):
    process_id = ma.fields.String()
    version = ma.fields.Integer()
    retired_at = ma.fields.AwareDateTime()
    retired_by = ma.fields.String()
    running = ma.fields.Integer(metadata={"description": "instances on it, left to finish"})
    live_version = ma.fields.Integer(
        allow_none=True, metadata={"description": "the version new instances start on"}
    )


@blp.route("/instances/<int:instance_id>/suspend", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, InstanceStateSchema)
def suspend(data, instance_id):
    """Hold a running instance: its timers wait, its tasks answer 409 until resumed."""
    return instances.suspend(services(), principal(), instance_id, data["reason"])


@blp.route("/instances/<int:instance_id>/resume", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, InstanceStateSchema)
def resume(data, instance_id):
    """Release a suspended instance; timers that fell due meanwhile fire at once."""
    return instances.resume(services(), principal(), instance_id, data["reason"])


@blp.route("/instances/<int:instance_id>/terminate", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, InstanceStateSchema)
def terminate(data, instance_id):
    """Cancel an instance through the engine; its incident closes as `terminated`."""
    return instances.terminate(services(), principal(), instance_id, data["reason"])


@blp.route("/instances/<int:instance_id>/retry", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, InstanceStateSchema)
def retry(data, instance_id):
    """Run a failed step (a timer out of attempts) again, at once."""
    return instances.retry(services(), principal(), instance_id, data["reason"])


@blp.route("/instances/<int:instance_id>/reset-points", methods=["GET"])
@blp.response(200, ResetPointSchema(many=True))
def reset_points(instance_id):
    """The completed user and script steps the instance can go back to, newest first."""
    return instances.reset_points(services(), principal(), instance_id)


@blp.route("/instances/<int:instance_id>/reset", methods=["POST"])
@blp.arguments(ResetRequestSchema)
@blp.response(200, InstanceStateSchema)
def reset(data, instance_id):
    """Move the instance back to a completed step; it runs on from there."""
    return instances.reset(services(), principal(), instance_id, data["task"], data["reason"])


@blp.route("/processes/<string:process_id>/versions/<int:version>/retire", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, RetiredSchema)
def retire_version(data, process_id, version):
    """No new instance starts on this version; running ones finish on it."""
    return instances.retire_version(services(), principal(), process_id, version, data["reason"])


@blp.route("/processes/<string:process_id>/retire", methods=["POST"])
@blp.arguments(ReasonRequestSchema)
@blp.response(200, RetiredSchema(many=True))
def retire_process(data, process_id):
    """Retire every live version of a process (not the incident lifecycle)."""
    return instances.retire_process(services(), principal(), process_id, data["reason"])
