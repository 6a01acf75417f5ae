"""Task forms on the pages: the fields to render from a form's JSON Schema and UI
schema, and the submitted form turned back into JSON. Validation itself stays on the
server's one path (service.forms), so a page and an API client get the same answers."""

from .fields import Field, TaskForm, build
from .names import ADD_ROW, ROWS_PREFIX
from .submission import errors_by_field, errors_by_path, parse, requested_rows

__all__ = [
    "ADD_ROW",
    "ROWS_PREFIX",
    "Field",
    "TaskForm",
    "build",
    "errors_by_field",
    "errors_by_path",
    "parse",
    "requested_rows",
]
