"""/api/instances: searching process instances (process owners and admins)."""

from __future__ import annotations

import functools
import re

import marshmallow as ma
from flask_smorest import Blueprint

from ..services.instance_views import search
from .context import paged, principal, services

blp = Blueprint("instances", __name__, url_prefix="/api", description="Instance search")

_DATA_KEY = re.compile(r"^data\.([A-Za-z_][A-Za-z0-9_]{0,63})$")
MAX_DATA_FILTERS = 5


class InstanceQuerySchema(ma.Schema):
    class Meta:
        # `data.<key>` parameters are open-ended; other unknown names are ignored as
        # elsewhere (the page parameters come through here too).
        unknown = ma.INCLUDE

    process = ma.fields.String(validate=ma.validate.Length(min=1, max=255))
    version = ma.fields.Integer(validate=ma.validate.Range(min=1, max=2**31 - 1))
    state = ma.fields.String(validate=ma.validate.OneOf(search.STATES))
    element = ma.fields.String(
        validate=ma.validate.Length(min=1, max=255),
        metadata={"description": "the BPMN element id it waits at (a task or a timer)"},
    )
    incident = ma.fields.String(
        validate=ma.validate.Length(min=1, max=20), metadata={"description": "INC-000042"}
    )
    started_from = ma.fields.AwareDateTime()
    started_to = ma.fields.AwareDateTime()

    @ma.post_load
    def data_filters(self, values, **kwargs):
        known = {name: values.pop(name) for name in list(values) if name in self.fields}
        data = {}
        for name, value in values.items():
            if not name.startswith("data."):
                continue
            match = _DATA_KEY.match(name)
            if not match:
                raise ma.ValidationError(
                    "data.<key>: a key of letters, digits and _", field_name=name
                )
            if not isinstance(value, str) or len(value) > 200:
                raise ma.ValidationError("at most 200 characters", field_name=name)
            data[match.group(1)] = value
        if len(data) > MAX_DATA_FILTERS:
            raise ma.ValidationError(f"at most {MAX_DATA_FILTERS} data filters", field_name="data")
        return known | {"data": data}


class InstanceRowSchema(ma.Schema):
    id = ma.fields.Integer()
    process_id = ma.fields.String()
    version = ma.fields.Integer()
    status = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    incident_number = ma.fields.String(allow_none=True)
    waiting_at = ma.fields.List(
        ma.fields.String(), metadata={"description": "elements it waits at"}
    )
    failed = ma.fields.Boolean(metadata={"description": "a timer whose retries ran out"})


@blp.route("/instances", methods=["GET"])
@blp.arguments(InstanceQuerySchema, location="query", unknown=ma.INCLUDE)
@blp.response(200, InstanceRowSchema(many=True))
@blp.paginate(page_size=20, max_page_size=100)
def list_instances(query, pagination_parameters):
    """Process instances, newest first (process owners and admins). `state`: running,
    waiting (at `element` if given), failed (a timer out of retries), suspended or
    completed. `data.<key>=<value>`: equality on a top-level value of the instance's
    data, compared as text (at most 5)."""
    filters = search.InstanceFilters(
        process_id=query.get("process"),
        version=query.get("version"),
        state=query.get("state"),
        element=query.get("element"),
        incident=query.get("incident"),
        started_from=query.get("started_from"),
        started_to=query.get("started_to"),
        data=query.get("data", {}),
    )
    return paged(
        pagination_parameters, functools.partial(search.search, services(), principal(), filters)
    )
