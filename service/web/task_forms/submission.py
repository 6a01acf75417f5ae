"""A task page's form as sent, turned back into the JSON its schema validates (nested
objects from bracketed names, rows, lines), and the server's messages by field.

Empty fields, groups and rows are left out, so `required` speaks; fields the page
shows but does not let anyone change (read-only, disabled, hidden) are not sent, so
the process keeps what it knew."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ...forms.schema import choices, item_choices, properties, widget
from . import names
from .values import NO_VALUE, chosen, converted, on_clock

_EMPTY = object()


def parse(
    schema: dict[str, Any], ui: dict[str, Any] | None, form: MultiDict, *, zone: str = "UTC"
) -> dict[str, Any]:
    """Date-times are read on `zone`'s clock and sent on in UTC."""
    with on_clock(zone):
        return _object(schema, ui or {}, form, [])


def requested_rows(form: MultiDict) -> tuple[dict[str, int], bool]:
    """Rows per list as the page sent them, one more for the list whose "add a row"
    button was pressed; and whether one was (then the form is drawn again, not sent)."""
    counts = {}
    for key, value in form.items():
        if key.startswith(names.ROWS_PREFIX) and value.isdigit():
            counts[key[len(names.ROWS_PREFIX) :]] = min(int(value), 1000)
    adding = form.get(names.ADD_ROW)
    if adding:
        counts[adding] = counts.get(adding, 0) + 1
    return counts, bool(adding)


def errors_by_path(field_errors) -> dict[str, list[str]]:
    """Messages by JSON path, in the reader's language where the catalogs know them
    (the API keeps English)."""
    found: dict[str, list[str]] = {}
    for error in field_errors:
        found.setdefault(error.field, []).append(_shown_message(error.message))
    return found


def errors_by_field(field_errors) -> tuple[dict[str, list[str]], list[str]]:
    """FieldErrors ($.name or $.name[2]) by top-level field name; the rest apply to the
    whole form."""
    by_name: dict[str, list[str]] = {}
    general: list[str] = []
    for error in field_errors:
        where = error.field
        if where.startswith("$.") and len(where) > 2:
            name = where[2:].split(".")[0].split("[")[0]
            by_name.setdefault(name, []).append(_shown_message(error.message))
        else:
            general.append(_shown_message(error.message))
    return by_name, general


def _shown_message(message: str) -> str:
    # gettext("") is the catalog's header, not an empty message.
    return _(message) if message else message


def _object(schema, ui, form, parts) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, spec in properties(schema).items():
        field_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
        shown_as = widget(spec, field_ui)
        if shown_as == "hidden" or _locked(spec, field_ui):
            continue
        value = _value(spec, field_ui, shown_as, form, [*parts, name])
        if value is not _EMPTY:
            data[name] = value
    return data


def _locked(spec, ui) -> bool:
    return bool(spec.get("readOnly") or ui.get("ui:readonly") or ui.get("ui:disabled"))


def _value(spec, ui, shown_as, form, parts) -> Any:
    key = names.input_name(parts)
    if shown_as == "group":
        return _object(spec, ui, form, parts) or _EMPTY
    if shown_as == "rows":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        item_ui = ui.get("items") if isinstance(ui.get("items"), dict) else {}
        rows = [_object(items, item_ui, form, [*parts, i]) for i in _indices(form, key)]
        return [row for row in rows if row] or _EMPTY
    if shown_as == "checkboxes":
        options = item_choices(spec, ui)
        return [chosen(raw, options) for raw in form.getlist(key)] or _EMPTY
    if shown_as == "lines":
        items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
        lines = [line.strip() for line in form.get(key, NO_VALUE).splitlines()]
        return [converted(line, items, "text") for line in lines if line] or _EMPTY
    raw = form.get(key, NO_VALUE)
    if raw == NO_VALUE:
        return _EMPTY
    if shown_as in ("radio", "select"):
        return chosen(raw, choices(spec, ui))
    return converted(raw, spec, shown_as)


def _indices(form: MultiDict, key: str) -> list[int]:
    prefix = key + "["
    found = set()
    for name in form:
        if name.startswith(prefix):
            index = name[len(prefix) :].split("]", 1)[0]
            if index.isdigit() and int(index) < 1000:
                found.add(int(index))
    return sorted(found)
