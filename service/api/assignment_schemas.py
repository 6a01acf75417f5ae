"""Marshmallow schemas of handing work over: assigning a task, away flags, group rules."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..services.assignment.automatic import MODES
from .schemas import JsonBoolean


class AssignSchema(ma.Schema):
    user = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a member of the task's group; null gives it back to the group"},
    )


class AwaySchema(ma.Schema):
    away = JsonBoolean(required=True)


class AwayViewSchema(ma.Schema):
    user = fields.String()
    away = fields.Boolean()


class AssignmentRuleSchema(ma.Schema):
    mode = fields.String(
        required=True,
        validate=validate.OneOf(MODES),
        metadata={
            "description": "none: the group's queue; round_robin: members in turn; "
            "least_open: the member holding the fewest ready tasks (away members skipped)"
        },
    )


class AssignmentRuleViewSchema(ma.Schema):
    group = fields.String()
    mode = fields.String()
    last_assignee = fields.String(allow_none=True)
    updated_at = fields.AwareDateTime(allow_none=True)
