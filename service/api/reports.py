"""/api/reports: the SLA figures of a period, as JSON or CSV (leads and admins)."""

from __future__ import annotations

from datetime import timedelta

import marshmallow as ma
from flask import Response
from flask_smorest import Blueprint

from ..services import reports
from .context import principal, services

blp = Blueprint("reports", __name__, url_prefix="/api/reports", description="Reports")
DEFAULT_PERIOD = timedelta(days=30)


class PeriodSchema(ma.Schema):
    start = ma.fields.AwareDateTime(
        data_key="from",
        metadata={"description": "start (ISO 8601 with offset); default 30 days ago"},
    )
    end = ma.fields.AwareDateTime(
        data_key="to", metadata={"description": "end, exclusive; default now"}
    )


class FiguresSchema(ma.Schema):
    group = ma.fields.String(metadata={"description": "all, a priority or a tier"})
    reported = ma.fields.Integer()
    first_response_due = ma.fields.Integer(
        metadata={"description": "reported incidents whose first response is answered or overdue"}
    )
    first_response_met = ma.fields.Integer()
    first_response_share = ma.fields.Float(allow_none=True)
    resolved = ma.fields.Integer(metadata={"description": "incidents resolved in the period"})
    resolved_within_24h = ma.fields.Integer()
    within_24h_share = ma.fields.Float(allow_none=True)
    resolved_within_target = ma.fields.Integer()
    within_target_share = ma.fields.Float(allow_none=True)
    mean_hours_to_resolve = ma.fields.Float(allow_none=True)
    median_hours_to_resolve = ma.fields.Float(allow_none=True)


class OpenNowSchema(ma.Schema):
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_priority = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    by_tier = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer())
    breached = ma.fields.List(ma.fields.String())
    at_risk = ma.fields.List(ma.fields.String())


class SatisfactionFiguresSchema(ma.Schema):
    group = ma.fields.String(metadata={"description": "all, a priority, a tier or a category"})
    sent = ma.fields.Integer(metadata={"description": "surveys sent in the period"})
    answered = ma.fields.Integer()
    response_rate = ma.fields.Float(allow_none=True, metadata={"description": "answered / sent"})
    mean_score = ma.fields.Float(allow_none=True, metadata={"description": "1 to 5"})
    good_share = ma.fields.Float(
        allow_none=True, metadata={"description": "share of answers rating 4 or 5"}
    )


class SatisfactionReportSchema(ma.Schema):
    overall = ma.fields.Nested(SatisfactionFiguresSchema)
    by_priority = ma.fields.List(ma.fields.Nested(SatisfactionFiguresSchema))
    by_tier = ma.fields.List(ma.fields.Nested(SatisfactionFiguresSchema))
    by_category = ma.fields.List(ma.fields.Nested(SatisfactionFiguresSchema))
    by_week = ma.fields.List(
        ma.fields.Nested(SatisfactionFiguresSchema),
        metadata={"description": "ISO weeks of the period (2026-W10), in order"},
    )
    by_month = ma.fields.List(
        ma.fields.Nested(SatisfactionFiguresSchema),
        metadata={"description": "calendar months of the period (2026-03), in order"},
    )


class SlaReportSchema(ma.Schema):
    start = ma.fields.AwareDateTime(data_key="from")
    end = ma.fields.AwareDateTime(data_key="to")
    overall = ma.fields.Nested(FiguresSchema)
    by_priority = ma.fields.List(ma.fields.Nested(FiguresSchema))
    by_tier = ma.fields.List(ma.fields.Nested(FiguresSchema))
    open_now = ma.fields.Nested(OpenNowSchema)
    satisfaction = ma.fields.Nested(
        SatisfactionReportSchema,
        metadata={"description": "reporters' ratings of the surveys sent after closures"},
    )


def _report(query):
    svc = services()
    end = query.get("end") or svc.now()
    start = query.get("start") or end - DEFAULT_PERIOD
    return reports.sla_report(svc, principal(), start, end)


@blp.route("/sla", methods=["GET"])
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, SlaReportSchema)
def sla(query):
    """First responses within target and time to resolve against 24 hours, overall,
    by priority and by tier, plus what stands open now (group leads and admins)."""
    return _report(query)


@blp.route("/sla.csv", methods=["GET"])
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, content_type="text/csv", description="one row per group")
def sla_csv(query):
    """The same figures as CSV: one row overall, then one per priority and per tier."""
    response = Response(reports.to_csv(_report(query)), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="sla-report.csv"'
    return response
