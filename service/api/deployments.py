"""/api/deployments, /api/processes/{id}/versions, /api/decisions: putting files live."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint
from flask_smorest.fields import Upload

from ..services import deployments, processes
from ..workflow import SourceFile
from .context import CREATED_HEADERS, created, principal, services, svg
from .errors import problem_body
from .schemas import IdempotencyHeaderSchema

blp = Blueprint("deployments", __name__, url_prefix="/api", description="Deployments and versions")


class UploadSchema(ma.Schema):
    files = ma.fields.List(
        Upload(),
        required=True,
        metadata={"description": ".bpmn, .dmn and form .json files (repeat the field)"},
    )


class ProblemSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "file name"})
    location = ma.fields.String()
    element_id = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)
    message = ma.fields.String()
    keyword = ma.fields.String(metadata={"description": "in a form file: the keyword"})
    pointer = ma.fields.String(metadata={"description": "in a form file: a JSON pointer"})


class DeployedProcessSchema(ma.Schema):
    process_id = ma.fields.String()
    version = ma.fields.Integer()
    content_hash = ma.fields.String()
    created = ma.fields.Boolean(metadata={"description": "false: unchanged, version kept"})


class DeployedDecisionSchema(ma.Schema):
    decision_id = ma.fields.String()
    version = ma.fields.Integer()
    created = ma.fields.Boolean()


class DeploymentResultSchema(ma.Schema):
    changed = ma.fields.Boolean()
    message = ma.fields.String()
    deployment_id = ma.fields.Integer(allow_none=True)
    processes = ma.fields.List(ma.fields.Nested(DeployedProcessSchema))
    decisions = ma.fields.List(ma.fields.Nested(DeployedDecisionSchema))
    files = ma.fields.List(ma.fields.String(), metadata={"description": "files that changed"})
    warnings = ma.fields.List(ma.fields.Nested(ProblemSchema))


class DeploymentSchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String(allow_none=True)
    summary = ma.fields.Dict()


class FileRefSchema(ma.Schema):
    name = ma.fields.String()
    sha256 = ma.fields.String()


class VersionSchema(ma.Schema):
    process_id = ma.fields.String()
    version = ma.fields.Integer()
    name = ma.fields.String()
    content_hash = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String(allow_none=True)
    deployment_id = ma.fields.Integer(allow_none=True)
    files = ma.fields.List(ma.fields.Nested(FileRefSchema))
    running_instances = ma.fields.Integer()
    suspended_instances = ma.fields.Integer(
        metadata={"description": "started, held by an owner; not in running_instances"}
    )
    instances = ma.fields.Integer()
    retired_at = ma.fields.AwareDateTime(
        allow_none=True, metadata={"description": "set: no new instance starts on it"}
    )
    retired_by = ma.fields.String(allow_none=True)


class DecisionSchema(ma.Schema):
    decision_id = ma.fields.String()
    name = ma.fields.String()
    version = ma.fields.Integer()
    content_hash = ma.fields.String()
    file = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    created_by = ma.fields.String(allow_none=True)


@blp.route("/deployments", methods=["POST"])
@blp.arguments(IdempotencyHeaderSchema, location="headers")
@blp.arguments(UploadSchema, location="files")
@blp.response(201, DeploymentResultSchema, description="something changed", headers=CREATED_HEADERS)
@blp.alt_response(200, schema=DeploymentResultSchema, description="all unchanged: nothing done")
def deploy(headers, files):
    """Deploy BPMN, DMN and form files (process owners). All of them go live, or none.

    They replace the live files of the same names; every process and decision
    whose files changed gets a new version. 422 lists every problem (file,
    element, line); warnings that do not block come back in both answers.
    """
    uploads = [SourceFile(f.filename or "", f.read()) for f in files["files"]]
    result = deployments.deploy(
        services(),
        uploads,
        actor=principal().username,
        by=principal(),
        idempotency_key=headers.get("idempotency_key"),
    )
    body = {
        "changed": result.changed,
        "message": (
            f"deployment {result.deployment_id}: {len(result.files)} file(s) changed"
            if result.changed
            else "nothing changed: every process and decision keeps its version"
        ),
        "deployment_id": result.deployment_id,
        "processes": result.processes,
        "decisions": result.decisions,
        "files": result.files,
        "warnings": [problem_body(w) for w in result.warnings],
    }
    if result.changed:
        return created(body, f"/api/deployments/{result.deployment_id}", replayed=result.replayed)
    return body, 200, ({"Idempotent-Replayed": "true"} if result.replayed else {})


@blp.route("/deployments", methods=["GET"])
@blp.response(200, DeploymentSchema(many=True))
def list_deployments():
    """Deployments, newest first."""
    return processes.list_deployments(services(), principal())


@blp.route("/deployments/<int:deployment_id>", methods=["GET"])
@blp.response(200, DeploymentSchema)
def get_deployment(deployment_id):
    """One deployment: when, by whom, and which files, processes and decisions changed."""
    return processes.get_deployment(services(), principal(), deployment_id)


@blp.route("/processes/<string:process_id>/versions", methods=["GET"])
@blp.response(200, VersionSchema(many=True))
def list_versions(process_id):
    """Every version of a process, newest first: when, who, hash, files, instances on it."""
    return processes.list_versions(services(), principal(), process_id)


@blp.route("/processes/<string:process_id>/versions/<int:version>/bpmn", methods=["GET"])
@blp.response(200, content_type="application/xml", description="the file as deployed")
def version_bpmn(process_id, version):
    """The BPMN file of a version, byte for byte as it was deployed."""
    content = processes.version_bpmn(services(), principal(), process_id, version)
    return Response(content, mimetype="application/xml")


@blp.route("/processes/<string:process_id>/versions/<int:version>/diagram.svg", methods=["GET"])
@blp.response(200, content_type="image/svg+xml", description="SVG")
def version_diagram(process_id, version):
    """The version's diagram as SVG, drawn on the server from the file's BPMN DI."""
    return svg(processes.version_diagram(services(), principal(), process_id, version))


@blp.route("/decisions", methods=["GET"])
@blp.response(200, DecisionSchema(many=True))
def list_decisions():
    """Every version of every DMN decision."""
    return processes.list_decisions(services(), principal())
