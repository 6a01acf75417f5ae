"""Marshmallow schemas of people and their data: accounts, the data export, erasure."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from ..domain.enums import Group

_GROUP = fields.String(validate=validate.OneOf([g.value for g in Group]))


class AccountQuerySchema(ma.Schema):
    group = fields.String(
        validate=validate.OneOf([g.value for g in Group]),
        metadata={"description": "only members of this group"},
    )
    disabled = fields.Boolean(metadata={"description": "only disabled (true) or active (false)"})
    q = fields.String(
        validate=validate.Length(min=1, max=200),
        metadata={"description": "part of the username, display name or contact"},
    )


class AccountSchema(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)
    contact = fields.String(allow_none=True)
    groups = fields.List(fields.String())
    lead_of = fields.List(fields.String())
    away = fields.Boolean()
    disabled = fields.Function(lambda view: view.disabled_at is not None)
    disabled_at = fields.AwareDateTime(allow_none=True)
    erased_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()


class AccountChangeSchema(ma.Schema):
    groups = fields.List(_GROUP, validate=validate.Length(max=len(Group)))
    lead_of = fields.List(_GROUP, validate=validate.Length(max=len(Group)))
    display_name = fields.String(allow_none=True, validate=validate.Length(max=200))
    contact = fields.String(allow_none=True, validate=validate.Length(max=200))

    @ma.validates_schema
    def _something(self, data, **_kwargs):
        if not data:
            raise ma.ValidationError(
                "name at least one of groups, lead_of, display_name, contact", "_schema"
            )


class DisabledSchema(ma.Schema):
    account = fields.Nested(AccountSchema)
    tokens_revoked = fields.Integer()
    released_tasks = fields.List(fields.String(), metadata={"description": "task ids"})
    told = fields.List(fields.String(), metadata={"description": "who was told"})


class ErasureRequestSchema(ma.Schema):
    reason = fields.String(
        required=True,
        validate=validate.Length(min=1, max=500),
        metadata={"description": "why (the request's reference); kept in the audit trail"},
    )


class ErasureSchema(ma.Schema):
    account = fields.Nested(AccountSchema)
    incidents = fields.List(fields.String(), metadata={"description": "numbers pseudonymised"})
    comments = fields.Integer()
    attachments = fields.Integer()
    emails = fields.Integer()
    surveys = fields.Integer()
    audit_events = fields.Integer()


class PersonDataSchema(ma.Schema):
    """Everything the desk holds about the person (GDPR Art. 15)."""

    account = fields.Dict()
    incidents = fields.List(fields.Dict(), metadata={"description": "reported or opened"})
    comments = fields.List(fields.Dict())
    attachments = fields.List(fields.Dict(), metadata={"description": "metadata, no bytes"})
    emails = fields.List(fields.Dict(), metadata={"description": "metadata, no bytes"})
    notifications = fields.List(fields.Dict())
    audit_events = fields.List(fields.Dict(), metadata={"description": "by them or naming them"})
    surveys = fields.List(fields.Dict())
