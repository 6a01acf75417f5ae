"""How a field's place in the form data is spelled: as an input's name (`people[0][name]`),
as an element id (`people.0.name`) and as the JSON path the server's errors use."""

from __future__ import annotations

from ...forms import json_path

Parts = list[str | int]
# Inputs the page adds for itself (row counts, the add-a-row button); never form data.
ROWS_PREFIX = "__rows:"
ADD_ROW = "__add"


def _escape(part: str | int) -> str:
    # Brackets and % inside a property name must not read as nesting.
    return str(part).replace("%", "%25").replace("[", "%5B").replace("]", "%5D")


def input_name(parts: Parts) -> str:
    first, *rest = parts
    return _escape(first) + "".join(f"[{_escape(part)}]" for part in rest)


def element_id(parts: Parts) -> str:
    return ".".join(_escape(part).replace(" ", "%20") for part in parts)


def path(parts: Parts) -> str:
    return json_path(parts)
