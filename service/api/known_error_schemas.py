"""Marshmallow schemas of /api/known-errors: validation, response bodies, the OpenAPI document."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain.enums import KnownErrorStatus
from ..services.known_errors.records import SYMPTOM_LENGTH

_STATUSES = [s.value for s in KnownErrorStatus]
# Long enough for any resolution an incident holds, short of a denial of service.
_TEXT_LENGTH = 20_000


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ma.ValidationError("must not be blank")


def _text(maximum: int, description: str, **kwargs) -> fields.String:
    return fields.String(
        validate=[validate.Length(min=1, max=maximum), _not_blank],
        metadata={"description": description},
        **kwargs,
    )


_NUMBER = fields.String(
    validate=validate.Length(min=1, max=32), metadata={"description": "an incident number"}
)


class KnownErrorCreateSchema(ma.Schema):
    symptom = _text(SYMPTOM_LENGTH, "what users see", required=True)
    cause = _text(_TEXT_LENGTH, "why it happens, when known", allow_none=True)
    workaround = _text(_TEXT_LENGTH, "what to do meanwhile", required=True)
    category = fields.String(
        allow_none=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "as the incidents' category"},
    )
    incidents = fields.List(
        _NUMBER,
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "numbers of the incidents it explains"},
    )


class KnownErrorUpdateSchema(ma.Schema):
    symptom = _text(SYMPTOM_LENGTH, "what users see")
    cause = _text(_TEXT_LENGTH, "why it happens, when known", allow_none=True)
    workaround = _text(_TEXT_LENGTH, "what to do meanwhile")
    category = fields.String(allow_none=True, validate=validate.Length(min=1, max=64))
    status = fields.String(
        validate=validate.OneOf(_STATUSES),
        metadata={"description": "fixed tells the reporters of the linked incidents not closed"},
    )


class KnownErrorLinkSchema(ma.Schema):
    incident = fields.String(
        required=True,
        validate=validate.Length(min=1, max=32),
        metadata={"description": "the incident's number"},
    )


class KnownErrorQuerySchema(ma.Schema):
    status = fields.String(validate=validate.OneOf(_STATUSES))
    category = fields.String(validate=validate.Length(min=1, max=64))
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "words in the symptom, cause or workaround"},
    )


class LinkedIncidentSchema(ma.Schema):
    number = fields.String()
    title = fields.String()
    status = fields.String()


class KnownErrorSchema(ma.Schema):
    id = fields.Integer()
    symptom = fields.String()
    cause = fields.String(allow_none=True)
    workaround = fields.String()
    category = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": _STATUSES})
    created_at = fields.AwareDateTime()
    created_by = fields.String()
    updated_at = fields.AwareDateTime()
    fixed_at = fields.AwareDateTime(allow_none=True)
    incidents = fields.List(fields.Nested(LinkedIncidentSchema))
