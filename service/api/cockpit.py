"""The owners' cockpit over HTTP: where a version's work waits, how long its steps take,
and what two versions differ in (process owners and admins)."""

from __future__ import annotations

from datetime import timedelta

from flask_smorest import Blueprint

from ..services.cockpit import comparing, waiting
from .cockpit_schemas import (
    CompareQuerySchema,
    DecisionComparisonSchema,
    DurationsSchema,
    PeriodQuerySchema,
    ProcessComparisonSchema,
    WaitingSchema,
)
from .context import principal, services

blp = Blueprint("cockpit", __name__, url_prefix="/api", description="Process owners' cockpit")
DEFAULT_PERIOD = timedelta(days=30)


@blp.route("/processes/<string:process_id>/versions/<int:version>/waiting", methods=["GET"])
@blp.response(200, WaitingSchema(many=True))
def waiting_now(process_id, version):
    """How many running instances of the version wait at each element now (user tasks
    and timers), most first."""
    return waiting.waiting_now(services(), principal(), process_id, version)


@blp.route("/processes/<string:process_id>/versions/<int:version>/durations", methods=["GET"])
@blp.arguments(PeriodQuerySchema, location="query")
@blp.response(200, DurationsSchema)
def durations(query, process_id, version):
    """Median and p90 time in each step, from the audit trail: a task's `task.created` to
    its `task.completed` or `task.cancelled`, for tasks that ended in [from, to). And the
    steps open when incidents of the version missed a target (`sla.breached`) then."""
    svc = services()
    end = query.get("end") or svc.now()
    start = query.get("start") or waiting.before(end, DEFAULT_PERIOD)
    who = principal()
    return {
        "start": start,
        "end": end,
        "steps": waiting.step_times(svc, who, process_id, version, start, end),
        "missed_targets": waiting.missed_targets(svc, who, process_id, version, start, end),
    }


@blp.route("/processes/<string:process_id>/compare", methods=["GET"])
@blp.arguments(CompareQuerySchema, location="query")
@blp.response(200, ProcessComparisonSchema)
def compare_process(query, process_id):
    """Elements added, removed and changed (name, lane, form, script, timer, condition,
    decision) from version `from` to version `to`, matched by element id."""
    return comparing.compare_process(
        services(), principal(), process_id, query["before"], query["after"]
    )


@blp.route("/decisions/<string:decision_id>/compare", methods=["GET"])
@blp.arguments(CompareQuerySchema, location="query")
@blp.response(200, DecisionComparisonSchema)
def compare_decision(query, decision_id):
    """A decision table's rules added, removed and changed cell by cell, matched by rule id."""
    return comparing.compare_decision(
        services(), principal(), decision_id, query["before"], query["after"]
    )
