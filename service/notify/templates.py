"""Mail bodies from Jinja templates in the package: subject, plain text and HTML.

One file per template (`templates/<name>.j2`) fills three blocks of
`_base.j2`; the HTML block of each escapes what it prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

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
        )

    def names(self) -> set[str]:
        return {p.stem for p in self._folder.glob("*.j2") if not p.name.startswith("_")}

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        template = self._env.get_template(f"{name}.j2")
        parts = {part: template.render(context, part=part) for part in _PARTS}
        # A subject is one line whatever the data holds (no header injection).
        subject = " ".join(parts["subject"].split())
        return Rendered(subject=subject, text=parts["text"].strip() + "\n", html=parts["html"])
