"""Marshmallow schemas of /api/alerts: validation, response bodies, the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain.alerts import AlertStatus, Outcome, Severity


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


def _text(maximum: int, description: str, **kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=maximum), _not_blank],
        metadata={"description": description},
        **kwargs,
    )


class AlertCreateSchema(ma.Schema):
    source = _text(100, "the monitoring system (e.g. prometheus, zabbix)", required=True)
    check = _text(200, "what is checked (e.g. disk_free, http_probe)", required=True)
    resource = _text(200, "where (host, service, URL)", required=True)
    severity = fields.String(
        required=True,
        validate=validate.OneOf([s.value for s in Severity]),
        metadata={"description": "impact and urgency follow from it (alert_severity.dmn)"},
    )
    summary = _text(1024, "what is wrong, in one line; the incident's title", required=True)
    status = fields.String(
        load_default=AlertStatus.FIRING.value,
        validate=validate.OneOf([s.value for s in AlertStatus]),
        metadata={"description": "firing (default), or resolved when the condition cleared"},
    )
    dedup_key = _text(
        255,
        "alerts with the same key go to the same open incident; "
        "default: a hash of source, check and resource",
    )


class AlertReceiptSchema(ma.Schema):
    dedup_key = fields.String()
    outcome = fields.String(
        metadata={
            "description": "opened (201), attached, resolved, or ignored (a clear with no "
            "open incident for the key)",
            "enum": [o.value for o in Outcome],
        }
    )
    incident_number = fields.String(allow_none=True)
    count = fields.Integer(metadata={"description": "alerts received under the key so far"})
    last_seen_at = fields.AwareDateTime(allow_none=True)


class AlertGroupQuerySchema(ma.Schema):
    open = fields.Boolean(
        metadata={"description": "true: keys whose incident is not closed yet; false: the others"}
    )


class AlertGroupSchema(ma.Schema):
    dedup_key = fields.String()
    incident_number = fields.String(allow_none=True)
    incident_status = fields.String(allow_none=True)
    source = fields.String()
    check = fields.String()
    resource = fields.String()
    count = fields.Integer()
    first_seen_at = fields.AwareDateTime()
    last_seen_at = fields.AwareDateTime()
    last_status = fields.String()
    last_severity = fields.String()
    last_summary = fields.String()
    resolved_at = fields.AwareDateTime(allow_none=True)
    open = fields.Boolean()
