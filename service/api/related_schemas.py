"""Marshmallow schemas of the related-incident operations: parent, merge, followers."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

_NUMBER = {"validate": validate.Length(min=1, max=32)}


class ParentLinkSchema(ma.Schema):
    parent = fields.String(
        required=True,
        metadata={"description": "number of the incident this one is part of"},
        **_NUMBER,
    )


class MergeSchema(ma.Schema):
    into = fields.String(
        required=True,
        metadata={"description": "number of the incident this one duplicates (the survivor)"},
        **_NUMBER,
    )


class UserRef(fields.Field):
    """A user by id or by username."""

    default_error_messages = {"invalid": "a user id (integer) or a username (string)"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.make_error("invalid")
        if isinstance(value, str) and not 1 <= len(value.strip()) <= 64:
            raise ma.ValidationError("a username of 1 to 64 characters")
        return value


class FollowerChangeSchema(ma.Schema):
    user = UserRef(
        required=True,
        metadata={
            "oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1, "maxLength": 64}],
            "description": "the user's id or username; a reporter may name only themselves",
        },
    )


class FollowerSchema(ma.Schema):
    id = fields.Integer()
    username = fields.String()
    display_name = fields.String(allow_none=True)


class RelatedIncidentSchema(ma.Schema):
    number = fields.String()
    title = fields.String()
    status = fields.String()
    closure_code = fields.String(allow_none=True)
