"""Task forms: JSON Schema files named by the BPMN, their validation on the server, and
what of them a task page can render (checked when they are deployed)."""

from .support import Finding, unrenderable
from .translations import check_translation, translated, translation_name, translation_of
from .validation import (
    SCHEMA_SUFFIX,
    UI_SUFFIX,
    Form,
    FormStore,
    format_checker,
    json_path,
    read_json,
    unchecked_formats,
)

__all__ = [
    "SCHEMA_SUFFIX",
    "UI_SUFFIX",
    "Finding",
    "Form",
    "FormStore",
    "check_translation",
    "format_checker",
    "json_path",
    "read_json",
    "translated",
    "translation_name",
    "translation_of",
    "unchecked_formats",
    "unrenderable",
]
