"""/api/processes/{id}/migrations: moving running instances to another version."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from ..services import migrations
from .context import principal, services
from .schemas import JsonBoolean

blp = Blueprint("migrations", __name__, url_prefix="/api", description="Instance migration")


class MigrationRequestSchema(ma.Schema):
    source_version = ma.fields.Integer(required=True, strict=True)
    target_version = ma.fields.Integer(required=True, strict=True)
    all = JsonBoolean(
        load_default=False,
        metadata={"description": "every running instance on the source version"},
    )
    incidents = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(max=20)),
        load_default=list,
        metadata={"description": "incident numbers (INC-000042)"},
    )
    instance_ids = ma.fields.List(
        ma.fields.Integer(strict=True),
        load_default=list,
        metadata={"description": "instance ids, for processes that are not incidents"},
    )
    dry_run = JsonBoolean(
        load_default=True,
        metadata={"description": "true (the default): report what would happen, change nothing"},
    )


class ReasonSchema(ma.Schema):
    element_id = ma.fields.String(allow_none=True)
    message = ma.fields.String()


class TimerMoveSchema(ma.Schema):
    element_id = ma.fields.String()
    old_due_at = ma.fields.AwareDateTime(allow_none=True)
    new_due_at = ma.fields.AwareDateTime(allow_none=True)


class InstanceMoveSchema(ma.Schema):
    instance_id = ma.fields.Integer(allow_none=True)
    incident_number = ma.fields.String(allow_none=True)
    outcome = ma.fields.String(
        metadata={"description": "movable (dry run), moved, refused, failed or skipped"}
    )
    reasons = ma.fields.List(ma.fields.Nested(ReasonSchema))
    rerun = ma.fields.List(
        ma.fields.String(), metadata={"description": "elements run again on the new version"}
    )
    timers = ma.fields.List(ma.fields.Nested(TimerMoveSchema))
    waiting_at = ma.fields.List(
        ma.fields.String(), metadata={"description": "where the instance waits on the new version"}
    )


class MigrationReportSchema(ma.Schema):
    process_id = ma.fields.String()
    source_version = ma.fields.Integer()
    target_version = ma.fields.Integer()
    dry_run = ma.fields.Boolean()
    counts = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    instances = ma.fields.List(ma.fields.Nested(InstanceMoveSchema))


@blp.route("/processes/<string:process_id>/migrations", methods=["POST"])
@blp.arguments(MigrationRequestSchema)
@blp.response(200, MigrationReportSchema)
def migrate(body, process_id):
    """Move running instances to another version (process owners).

    With `dry_run` (the default) nothing changes: each instance is moved in
    memory and the answer says whether it can move, why not (element and
    reason), which elements would run again and how its SLA timers would
    move. With `dry_run: false` each instance that can move is moved and
    stored in its own transaction, with an `instance.migrated` audit event;
    the others are reported and left as they are.
    """
    selection = migrations.Selection(
        all=body["all"],
        incidents=tuple(body["incidents"]),
        instance_ids=tuple(body["instance_ids"]),
    )
    return migrations.migrate(
        services(),
        principal(),
        process_id,
        source_version=body["source_version"],
        target_version=body["target_version"],
        selection=selection,
        dry_run=body["dry_run"],
    )
