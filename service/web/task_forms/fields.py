"""The fields a task page renders from a JSON Schema and its UI schema (spiff-arena's and
react-jsonschema-form's conventions), with what is known, what was typed and the
server's messages in place. The page runs no script, so nothing appears or hides as
people type: conditions are said in words, and rows are added by a button that sends
the form back to be drawn again with one more row."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from ...forms.schema import (
    Wording,
    choices,
    conditions,
    item_choices,
    label,
    properties,
    widget,
)
from . import names
from .values import NO_VALUE, choice_value, on_clock, shown

# Rows of one list shown at most, however often "add a row" is pressed.
MAX_ROWS = 100


@dataclass
class Field:
    name: str  # the input's name
    id: str
    path: str  # the JSON path the server's messages name
    label: str
    # group, rows, checkboxes, lines, radio, select, yesno, checkbox, number, textarea,
    # password, datetime, date, time, email, url, text
    widget: str
    required: bool = False
    description: str | None = None
    help: str | None = None
    # Conditional: "Needed when Outcome is Resolved", from if/then or dependencies.
    when: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)
    value: Any = NO_VALUE
    errors: list[str] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    readonly: bool = False
    disabled: bool = False
    placeholder: str | None = None
    autofocus: bool = False
    children: list[Field] = field(default_factory=list)  # a group's fields
    rows: list[list[Field]] = field(default_factory=list)  # a list's rows, each its fields
    addable: bool = False


@dataclass
class TaskForm:
    fields: list[Field]
    # Messages that belong to no field shown (the whole form, a field not rendered).
    general: list[str]

    @property
    def adds_rows(self) -> bool:
        """Whether an "add a row" button is on the page."""

        def any_addable(found: list[Field]) -> bool:
            return any(
                f.addable or any_addable(f.children) or any(any_addable(r) for r in f.rows)
                for f in found
            )

        return any_addable(self.fields)


def build(
    schema: dict[str, Any],
    ui: dict[str, Any] | None,
    values: dict[str, Any] | None,
    errors: dict[str, list[str]] | None = None,
    rows: dict[str, int] | None = None,
    *,
    zone: str = "UTC",
) -> TaskForm:
    """`errors`: messages by JSON path ($.name, $.people[0].name); `rows`: how many rows
    to show per list (by input name), as asked by the page that was sent; date-times
    show on `zone`'s clock."""
    with on_clock(zone):
        built = _object(schema, ui or {}, values or {}, [], rows or {})
    return TaskForm(built, _place(built, errors or {}))


def _object(schema, ui, values, parts, rows) -> list[Field]:
    fields = properties(schema)
    required = set(schema.get("required") or [])
    notes = conditions(schema, ui, _wording())
    found = []
    for name in _order(fields, ui.get("ui:order")):
        spec = fields[name]
        field_ui = ui.get(name) if isinstance(ui.get(name), dict) else {}
        shown_as = widget(spec, field_ui)
        if shown_as == "hidden":
            continue
        value = values.get(name, NO_VALUE) if isinstance(values, dict) else NO_VALUE
        built = _field([*parts, name], label(name, spec, field_ui), spec, field_ui, shown_as)
        built.required = name in required
        built.when = notes.get(name, [])
        _fill(built, spec, field_ui, value, [*parts, name], rows)
        found.append(built)
    return found


def _wording() -> Wording:
    """The conditions' words in the reader's language (English outside a request)."""
    return Wording(
        when=_("Needed when %(condition)s"),
        unless=_("Needed unless %(condition)s"),
        equals=_("%(field)s is %(value)s"),
        filled=_("%(field)s is filled in"),
        either=_("or"),
        both=_("and"),
    )


def _order(fields: dict[str, Any], order: Any) -> list[str]:
    order = list(order) if isinstance(order, list) else []
    if "*" not in order:
        order.append("*")
    rest = [name for name in fields if name not in order]
    found: list[str] = []
    for name in order:
        found += rest if name == "*" else [name] if name in fields else []
    return found


def _field(parts, title, spec, ui, shown_as) -> Field:
    options = ui.get("ui:options") if isinstance(ui.get("ui:options"), dict) else {}
    return Field(
        name=names.input_name(parts),
        id=names.element_id(parts),
        path=names.path(parts),
        label=title,
        widget=shown_as,
        description=ui.get("ui:description") or spec.get("description"),
        help=ui.get("ui:help"),
        readonly=bool(spec.get("readOnly") or ui.get("ui:readonly") or ui.get("ui:disabled")),
        disabled=bool(ui.get("ui:disabled")),
        placeholder=ui.get("ui:placeholder") or options.get("placeholder"),
        autofocus=bool(ui.get("ui:autofocus")),
        attrs=_attrs(spec, options),
    )


def _fill(built: Field, spec, ui, value, parts, rows) -> None:
    kind = built.widget
    if kind == "group":
        built.children = _object(spec, ui, value if isinstance(value, dict) else {}, parts, rows)
    elif kind == "rows":
        _rows(built, spec, ui, value if isinstance(value, list) else [], parts, rows)
    elif kind == "checkboxes":
        built.options = [(choice_value(v), n) for v, n in item_choices(spec, ui) or []]
        built.value = [choice_value(v) for v in value] if isinstance(value, list) else []
    elif kind == "lines":
        listed = value if isinstance(value, list) else []
        built.value = "\n".join(str(v) for v in listed) if listed else _text(value)
        built.attrs.setdefault("rows", max(3, min(len(listed) + 1, 12)))
    elif kind in ("radio", "select"):
        built.options = [(choice_value(v), n) for v, n in choices(spec, ui) or []]
        built.value = choice_value(value) if value not in (NO_VALUE, None) else NO_VALUE
    else:
        built.value = shown(spec, kind, value)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else NO_VALUE


def _rows(built: Field, spec, ui, existing: list, parts, rows) -> None:
    items = spec.get("items") if isinstance(spec.get("items"), dict) else {}
    item_ui = ui.get("items") if isinstance(ui.get("items"), dict) else {}
    options = ui.get("ui:options") if isinstance(ui.get("ui:options"), dict) else {}
    addable = options.get("addable", True) is not False and not built.readonly
    empty = options.get("emptyRows", 1) if addable else 0
    count = max(
        len(existing) + (empty if isinstance(empty, int) else 1),
        spec.get("minItems") if isinstance(spec.get("minItems"), int) else 0,
        rows.get(built.name, 0),
    )
    maximum = spec.get("maxItems")
    if isinstance(maximum, int):
        count = max(len(existing), min(count, maximum))
    count = min(count, MAX_ROWS)
    built.rows = [
        _object(items, item_ui, existing[i] if i < len(existing) else {}, [*parts, i], rows)
        for i in range(count)
    ]
    built.addable = addable and count < min(
        maximum if isinstance(maximum, int) else MAX_ROWS, MAX_ROWS
    )


def _attrs(spec: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for keyword, attr in (
        ("maxLength", "maxlength"),
        ("minLength", "minlength"),
        ("minimum", "min"),
        ("maximum", "max"),
    ):
        if isinstance(spec.get(keyword), int | float) and not isinstance(spec[keyword], bool):
            attrs[attr] = spec[keyword]
    kind = spec.get("type")
    kind = set(kind) if isinstance(kind, list) else {kind}
    if "integer" in kind:
        attrs["step"] = 1
    elif "number" in kind:
        attrs["step"] = spec.get("multipleOf", "any")
    if isinstance(options.get("rows"), int):
        attrs["rows"] = options["rows"]
    return attrs


def _place(fields: list[Field], errors: dict[str, list[str]]) -> list[str]:
    """Puts each message on the deepest field whose value it is about; the rest are
    returned for the top of the form."""
    by_path: dict[str, Field] = {}

    def walk(found: list[Field]) -> None:
        for item in found:
            by_path[item.path] = item
            walk(item.children)
            for row in item.rows:
                walk(row)

    walk(fields)
    general = []
    for where, messages in errors.items():
        target, rest = _owner(by_path, where)
        if target is None:
            general += messages
            continue
        target.errors += [f"{_part(rest)}: {m}" if rest else m for m in messages]
    return general


def _owner(by_path: dict[str, Field], where: str) -> tuple[Field | None, str]:
    probe = where
    while probe and probe != "$":
        if probe in by_path:
            return by_path[probe], where[len(probe) :]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None, where


def _part(rest: str) -> str:
    # "[2]" of a list of lines is its third line; anything deeper as the path says.
    if rest.startswith("[") and rest.endswith("]") and rest[1:-1].isdigit():
        return f"line {int(rest[1:-1]) + 1}"
    return rest.lstrip(".")
