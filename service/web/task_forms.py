"""Task forms from their JSON Schema and UI schema (spiff-arena's conventions):
fields to render, and the submitted form turned back into the JSON the schema
validates. Validation itself stays on the server's one path (service.forms),
so a page and an API client get the same answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..domain import locales

NO_VALUE = ""


@dataclass
class Field:
    name: str
    label: str
    widget: str  # text, textarea, number, select, radio, yesno, checkboxes, datetime
    required: bool = False
    help: str | None = None
    # Conditional: "Needed when Outcome is Resolved", from the schema's if/then.
    when: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = NO_VALUE
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)


def build(
    schema: dict[str, Any],
    ui: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, list[str]] | None = None,
    *,
    zone: str = "UTC",
) -> list[Field]:
    """Date-times show on `zone`'s clock (the page says which)."""
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    order = [n for n in ui.get("ui:order", []) if n in properties]
    order += [n for n in properties if n not in order]
    conditions = _conditions(schema)
    errors = errors or {}
    fields = []
    for name in order:
        spec = properties[name]
        options = ui.get(name, {})
        if options.get("ui:widget") == "hidden":
            continue
        built = Field(
            name=name,
            label=spec.get("title") or name.replace("_", " ").capitalize(),
            widget=_widget(spec, options),
            required=name in required,
            help=spec.get("description") or options.get("ui:help"),
            when=conditions.get(name, []),
            value=_shown(spec, values.get(name, NO_VALUE), zone),
            errors=errors.get(name, []),
        )
        built.options = _options(spec)
        built.attrs = _attrs(spec, options)
        fields.append(built)
    return fields


def parse(schema: dict[str, Any], form: MultiDict, *, zone: str = "UTC") -> dict[str, Any]:
    """The JSON for the schema. Empty fields are left out (so `required` speaks);
    what does not convert is passed on as typed, for the schema to name. Date-times
    are read on `zone`'s clock and sent on in UTC."""
    data: dict[str, Any] = {}
    for name, spec in schema.get("properties", {}).items():
        kinds = _types(spec)
        if "array" in kinds:
            chosen = form.getlist(name)
            if chosen:
                data[name] = chosen
            continue
        raw = form.get(name, NO_VALUE)
        if raw == NO_VALUE:
            continue
        data[name] = _convert(raw, spec, kinds, zone)
    return data


def errors_by_field(field_errors) -> tuple[dict[str, list[str]], list[str]]:
    """FieldErrors ($.name or $.name[2]) by field name; the rest apply to the whole form.
    Messages the catalogs know are shown in the reader's language (the API keeps English)."""
    by_name: dict[str, list[str]] = {}
    general: list[str] = []
    for error in field_errors:
        path = error.field
        if path.startswith("$.") and len(path) > 2:
            name = path[2:].split(".")[0].split("[")[0]
            by_name.setdefault(name, []).append(_shown_message(error.message))
        else:
            general.append(_shown_message(error.message))
    return by_name, general


def _shown_message(message: str) -> str:
    # gettext("") is the catalog's header, not an empty message.
    return _(message) if message else message


def _types(spec: dict[str, Any]) -> set[str]:
    kind = spec.get("type", "string")
    return set(kind) if isinstance(kind, list) else {kind}


def _widget(spec: dict[str, Any], options: dict[str, Any]) -> str:
    kinds = _types(spec)
    chosen = options.get("ui:widget")
    if "array" in kinds:
        return "checkboxes"
    if "boolean" in kinds:
        return "yesno"
    if "enum" in spec:
        return "radio" if chosen == "radio" else "select"
    if kinds & {"integer", "number"}:
        return "number"
    if spec.get("format") == "date-time":
        return "datetime"
    if spec.get("format") == "date":
        return "date"
    return "textarea" if chosen == "textarea" else "text"


def _options(spec: dict[str, Any]) -> list[tuple[str, str]]:
    source = spec.get("items", spec) if "array" in _types(spec) else spec
    values = [v for v in source.get("enum", []) if v is not None]
    names = source.get("enumNames") or [str(v).replace("_", " ").capitalize() for v in values]
    return [(str(v), str(n)) for v, n in zip(values, names, strict=False)]


def _attrs(spec: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    if "maxLength" in spec:
        attrs["maxlength"] = spec["maxLength"]
    if "minimum" in spec:
        attrs["min"] = spec["minimum"]
    if "maximum" in spec:
        attrs["max"] = spec["maximum"]
    if "integer" in _types(spec):
        attrs["step"] = 1
    elif "number" in _types(spec):
        attrs["step"] = "any"
    rows = options.get("ui:options", {}).get("rows")
    if rows:
        attrs["rows"] = rows
    return attrs


def _conditions(schema: dict[str, Any]) -> dict[str, list[str]]:
    """Fields an if/then makes required, with the condition in words."""
    found: dict[str, list[str]] = {}
    properties = schema.get("properties", {})
    for rule in schema.get("allOf", []):
        condition = rule.get("if", {}).get("properties", {})
        needed = rule.get("then", {}).get("required", [])
        for controller, test in condition.items():
            if "const" not in test:
                continue
            spec = properties.get(controller, {})
            names = dict(_options(spec))
            shown = names.get(str(test["const"]), str(test["const"]))
            title = spec.get("title") or controller
            for name in needed:
                found.setdefault(name, []).append(
                    _("Needed when %(field)s is %(value)s", field=title, value=shown)
                )
    return found


def _shown(spec: dict[str, Any], value: Any, zone: str) -> Any:
    if value is None:
        return NO_VALUE
    if spec.get("format") == "date-time" and isinstance(value, str) and value:
        try:
            # <input type=datetime-local> shows the user's wall time, to the minute.
            instant = locales.local(value, zone)
        except ValueError:
            return value
        return instant.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _convert(raw: str, spec: dict[str, Any], kinds: set[str], zone: str) -> Any:
    if "boolean" in kinds:
        return {"true": True, "false": False}.get(raw, raw)
    if "integer" in kinds:
        try:
            return int(raw)
        except ValueError:
            return raw
    if "number" in kinds:
        try:
            return float(raw)
        except ValueError:
            return raw
    if spec.get("format") == "date-time" and len(raw) == 16 and raw[10] == "T":
        # Typed on the user's clock (the label names it); stored and validated in UTC.
        try:
            return locales.from_wall_clock(raw, zone).isoformat()
        except ValueError:
            return raw
    return raw
