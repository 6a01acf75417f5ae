"""Marshmallow schemas of major incidents and their reviews: validation, bodies, OpenAPI."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain.major import REASON_MAX, MajorStatus


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


class MajorDeclareSchema(ma.Schema):
    reason = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=REASON_MAX), _not_blank],
        metadata={"description": "why the incident is major (told to the stakeholders)"},
    )
    manager = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={
            "description": "username of the major-incident manager, an L3 agent; by default "
            "the declarer, who must then be in L3"
        },
    )


class MajorSchema(ma.Schema):
    status = fields.String(
        validate=validate.OneOf([s.value for s in MajorStatus]),
        metadata={"description": "active (updates due), review (resolved, review due), reviewed"},
    )
    reason = fields.String()
    declared_at = fields.AwareDateTime()
    declared_by = fields.String(
        allow_none=True, metadata={"description": "null when the decision table major_trigger did"}
    )
    manager = fields.String(metadata={"description": "the major-incident manager"})
    update_minutes = fields.Integer(
        allow_none=True, metadata={"description": "the cadence major_cadence.dmn chose"}
    )
    updates = fields.Integer(metadata={"description": "status updates published so far"})
    last_update_at = fields.AwareDateTime(allow_none=True)
    last_update = fields.String(allow_none=True)
    next_update_due_at = fields.AwareDateTime(allow_none=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    review_due_at = fields.AwareDateTime(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)


class ReviewSchema(ma.Schema):
    incident_number = fields.String()
    timeline = fields.String()
    cause = fields.String()
    actions = fields.String()
    reviewed_at = fields.AwareDateTime()
    reviewed_by = fields.String(allow_none=True)
    due_at = fields.AwareDateTime(allow_none=True)
