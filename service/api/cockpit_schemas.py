"""Marshmallow schemas of the owners' cockpit: where work waits, and comparing versions."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

_VERSION = {"validate": validate.Range(min=1, max=2**31 - 1), "required": True}


class PeriodQuerySchema(ma.Schema):
    start = fields.AwareDateTime(
        data_key="from",
        metadata={"description": "start (ISO 8601 with offset); default 30 days before `to`"},
    )
    end = fields.AwareDateTime(
        data_key="to", metadata={"description": "end, exclusive; default now"}
    )


class CompareQuerySchema(ma.Schema):
    before = fields.Integer(
        data_key="from", metadata={"description": "earlier version"}, **_VERSION
    )
    after = fields.Integer(data_key="to", metadata={"description": "later version"}, **_VERSION)


class WaitingSchema(ma.Schema):
    element_id = fields.String()
    name = fields.String()
    tasks = fields.Integer(metadata={"description": "open user tasks of running instances"})
    timers = fields.Integer(metadata={"description": "timers of running instances waiting here"})
    total = fields.Integer()


class StepTimeSchema(ma.Schema):
    element_id = fields.String()
    name = fields.String()
    count = fields.Integer(metadata={"description": "tasks of the step that ended in the period"})
    median_seconds = fields.Integer()
    p90_seconds = fields.Integer()


class MissedTargetsSchema(ma.Schema):
    element_id = fields.String()
    name = fields.String()
    breaches = fields.Integer(
        metadata={"description": "SLA breaches in the period while a task of this step was open"}
    )


class DurationsSchema(ma.Schema):
    start = fields.AwareDateTime(data_key="from")
    end = fields.AwareDateTime(data_key="to")
    steps = fields.List(fields.Nested(StepTimeSchema))
    missed_targets = fields.List(fields.Nested(MissedTargetsSchema))


class ChangeSchema(ma.Schema):
    field = fields.String(
        metadata={"description": "name, lane, form, script, timer, ... or a column"}
    )
    before = fields.String(allow_none=True)
    after = fields.String(allow_none=True)


class ElementDiffSchema(ma.Schema):
    element_id = fields.String()
    kind = fields.String()
    name = fields.String()
    status = fields.String(metadata={"description": "added, removed or changed"})
    changes = fields.List(fields.Nested(ChangeSchema))


class ProcessComparisonSchema(ma.Schema):
    process_id = fields.String()
    before = fields.Integer(data_key="from")
    after = fields.Integer(data_key="to")
    elements = fields.List(fields.Nested(ElementDiffSchema))


class RuleDiffSchema(ma.Schema):
    rule_id = fields.String()
    status = fields.String(metadata={"description": "added, removed or changed"})
    changes = fields.List(fields.Nested(ChangeSchema))


class DecisionComparisonSchema(ma.Schema):
    decision_id = fields.String()
    before = fields.Integer(data_key="from")
    after = fields.Integer(data_key="to")
    columns = fields.List(fields.String())
    rules = fields.List(fields.Nested(RuleDiffSchema))
