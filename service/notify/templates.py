"""Mail bodies from Jinja templates in the package: subject, plain text and HTML.

One file per template (`templates/<name>.j2`) fills three blocks of
`_base.j2`; the HTML block of each escapes what it prints. Texts are marked for
translation (`{% trans %}`, `_()`) and a mail is rendered in its recipient's
language, with times on the recipient's clock (the `when` filter).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, Undefined, pass_context, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from .. import translations
from ..domain import labels, locales

_FOLDER = Path(__file__).with_name("templates")
_PARTS = ("subject", "text", "html")


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Templates:
    def __init__(self, folder: Path = _FOLDER):
        self._folder = folder
        # Sandboxed: a template is data a deployer may edit, not code.
        self._env = SandboxedEnvironment(
            loader=FileSystemLoader(folder),
            autoescape=select_autoescape(enabled_extensions=(), default_for_string=False),
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        # Line breaks inside a {% trans %} block are layout, not part of the text.
        self._env.policies["ext.i18n.trimmed"] = True
        self._env.filters.update(
            when=_when,
            status_name=_naming(labels.STATUSES),
            level_name=_naming(labels.LEVELS),
            clock_target=_naming(labels.CLOCK_TARGETS),
            rating_name=_naming(labels.RATINGS),
        )

    def names(self) -> set[str]:
        return {p.stem for p in self._folder.glob("*.j2") if not p.name.startswith("_")}

    def render(
        self, name: str, context: dict[str, Any], *, language: str = "en", zone: str = "UTC"
    ) -> Rendered:
        template = self._env.get_template(f"{name}.j2")
        catalog = translations.catalog(language)
        # Per render, not installed on the shared environment: deliveries to people
        # of different languages are rendered side by side.
        speech = {
            "gettext": catalog.gettext,
            "ngettext": catalog.ngettext,
            "_": catalog.gettext,
            "language": language,
            "zone": zone,
        }
        parts = {part: template.render(context, part=part, **speech) for part in _PARTS}
        # A subject is one line whatever the data holds (no header injection).
        subject = " ".join(parts["subject"].split())
        return Rendered(subject=subject, text=parts["text"].strip() + "\n", html=parts["html"])


@pass_context
def _when(context, value) -> str:
    """An instant (ISO text or datetime) on the reader's clock; anything else as it is."""
    if isinstance(value, Undefined) or not isinstance(value, str | datetime):
        return "" if value is None else str(value)
    try:
        return locales.wall_clock(value, context.get("zone"))
    except ValueError:
        return str(value)


def _naming(names: dict[str, str]):
    @pass_context
    def name_of(context, value) -> str:
        if value is None:
            return ""
        known = names.get(str(value))
        return context["gettext"](known) if known else str(value).replace("_", " ")

    return name_of
