"""A stored process version: its spec as stored, loaded into SpiffWorkflow on first use.

The host hands the stored text to a sandbox process, which loads it once and
keeps it by `key`, the hash of that text (a version id only means something
within one database, and one sandbox serves every database of its process).
The host itself loads the spec only to read instances.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from .calendars import Calendars
from .serialization import Serializer


class Definition:
    def __init__(self, version_id: int, spec_json: str, serializer: Serializer):
        self.version_id = version_id
        self.spec_json = spec_json
        self.key = hashlib.sha256(spec_json.encode()).hexdigest()
        self._serializer = serializer
        self._loaded: tuple[Any, dict[str, Any], dict[str, tuple[str, int]], dict] | None = None
        self._lock = threading.Lock()
        self._calendars: Calendars | None = None

    def _load(self):
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._serializer.load_spec(self.spec_json)
        return self._loaded

    @property
    def spec(self):
        return self._load()[0]

    @property
    def subprocess_specs(self) -> dict[str, Any]:
        return self._load()[1]

    @property
    def calendars(self) -> Calendars:
        """The calendars deployed with the version, which its scripts count working time in."""
        if self._calendars is None:
            self._calendars = Calendars(self._load()[3])
        return self._calendars

    def location(self, element_id: str | None) -> tuple[str | None, int | None]:
        """(file, line) of a BPMN element, or (None, None)."""
        return self._load()[2].get(element_id or "", (None, None))
