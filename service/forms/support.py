"""What of a form a task page cannot render, found when the form is deployed.

Each finding names the keyword and where it is (a JSON pointer into the schema or the
UI schema). They warn rather than refuse: the server validates every keyword either
way, and an API client can still complete the task; only the page falls short.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .schema import UI_WIDGETS, condition_text, kinds, properties, rules, widget
from .validation import unchecked_formats

# Keywords that shape what may be sent in ways no rendered field can produce, with why.
_UNRENDERED = {
    "patternProperties": "fields named by a pattern cannot be offered on the page",
    "additionalProperties": "free-named extra fields cannot be offered on the page",
    "propertyNames": "free-named fields cannot be offered on the page",
    "unevaluatedProperties": "free-named extra fields cannot be offered on the page",
    "additionalItems": "items past a fixed list cannot be offered on the page",
    "prefixItems": "a fixed list of differently shaped items cannot be rendered",
    "contains": "the page cannot say which item the list must contain",
    "$ref": "references are not resolved: the page renders the field by its own keywords",
    "$dynamicRef": "references are not resolved: the page renders the field by its own keywords",
    "not": "the page cannot say what is excluded; the server still refuses it",
}


@dataclass(frozen=True)
class Finding:
    keyword: str
    pointer: str  # into the schema, or into the UI schema when in_ui
    message: str
    in_ui: bool = False


def unrenderable(schema: dict[str, Any], ui: Any) -> list[Finding]:
    found: list[Finding] = []
    _object(schema, ui if isinstance(ui, dict) else {}, "", "", found)
    unchecked = unchecked_formats(schema)
    found += [
        Finding("format", pointer, f"format {name!r} is not checked: any text passes for it")
        for pointer, name in _formats(schema, "")
        if name in unchecked
    ]
    return found


def _formats(node: Any, pointer: str):
    if isinstance(node, dict):
        if isinstance(node.get("format"), str):
            yield f"{pointer}/format", node["format"]
        for key, value in node.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from _formats(value, f"{pointer}/{_escape(key)}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _formats(item, f"{pointer}/{index}")


def _keywords(node: dict[str, Any], pointer: str, found: list[Finding]) -> None:
    for keyword, why in _UNRENDERED.items():
        value = node.get(keyword)
        if value is None or (keyword.endswith("Properties") and value in (True, False, {})):
            continue
        found.append(Finding(keyword, f"{pointer}/{_escape(keyword)}", why))


def _object(schema, ui, pointer, ui_pointer, found) -> None:
    _keywords(schema, pointer, found)
    fields = properties(schema)
    for rule in rules(schema):
        if condition_text(rule["if"], fields, ui) is None:
            found.append(Finding("if", f"{pointer}/if", "a condition the page cannot put in words"))
    for name, spec in fields.items():
        field_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
        _field(
            spec,
            field_ui,
            f"{pointer}/properties/{_escape(name)}",
            f"{ui_pointer}/{_escape(name)}",
            found,
        )


def _field(spec, ui, pointer, ui_pointer, found) -> None:
    chosen = ui.get("ui:widget")
    if chosen is not None and chosen not in UI_WIDGETS:
        found.append(
            Finding(
                "ui:widget",
                f"{ui_pointer}/ui:widget",
                f"unknown widget {chosen!r}: the page shows the field by its type",
                in_ui=True,
            )
        )
    if "ui:field" in ui:
        found.append(
            Finding("ui:field", f"{ui_pointer}/ui:field", "custom fields are not rendered", True)
        )
    shown = widget(spec, ui)
    if shown != "group":  # an object's own keywords are read with its fields
        _keywords(spec, pointer, found)
    for keyword in ("oneOf", "anyOf"):
        if keyword in spec and widget(spec, ui) not in ("radio", "select"):
            found.append(
                Finding(
                    keyword,
                    f"{pointer}/{keyword}",
                    "only const + title choices are rendered; the field is shown by its type",
                )
            )
    if shown == "group":
        _object(spec, ui, pointer, ui_pointer, found)
    elif shown in ("rows", "lines", "checkboxes"):
        items = spec.get("items")
        if isinstance(items, list):
            found.append(
                Finding("items", f"{pointer}/items", "a fixed list of items cannot be rendered")
            )
        elif isinstance(items, dict):
            item_ui = ui.get("items") if isinstance(ui.get("items"), dict) else {}
            if shown == "rows":
                _object(items, item_ui, f"{pointer}/items", f"{ui_pointer}/items", found)
            elif "array" in kinds(items) or "object" in kinds(items):
                found.append(
                    Finding("items", f"{pointer}/items", "lists of lists cannot be rendered")
                )
            else:
                _keywords(items, f"{pointer}/items", found)


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")
