"""The notification rules: loaded from JSON, checked once, matched per event."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema

from .templates import Templates

REPORTER = "reporter"
# Everyone following the incident (told as the reporter is).
FOLLOWERS = "followers"
# What a rule may attach to its e-mail: the calendar entry of a call.
CALENDAR = "calendar"
ASSIGNEE = "assignee"
ASSIGNEE_OR_TIER = "assignee_or_tier"
TIER = "tier"
TIER_LEAD = "tier_lead"
# The user the event names as `assignee_id` (a task handed to them).
ASSIGNED = "assigned"
_NAMED = ("group:", "lead:")

_SCHEMA = {
    "type": "object",
    "required": ["rules"],
    "properties": {
        "rules": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["event", "notify", "template"],
                "additionalProperties": False,
                "properties": {
                    "event": {"type": "string", "minLength": 1},
                    "when": {"type": "object"},
                    "tell_actor": {"type": "boolean"},
                    "attach": {"type": "array", "items": {"enum": [CALENDAR]}},
                    "notify": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "anyOf": [
                                {
                                    "enum": [
                                        REPORTER,
                                        FOLLOWERS,
                                        ASSIGNEE,
                                        ASSIGNEE_OR_TIER,
                                        ASSIGNED,
                                        TIER,
                                        TIER_LEAD,
                                    ]
                                },
                                {"type": "string", "pattern": "^(group|lead):[A-Za-z0-9_.-]+$"},
                            ]
                        },
                    },
                    "template": {"type": "string", "pattern": "^[a-z0-9_]+$"},
                },
            },
        }
    },
}


class RulesError(ValueError):
    """The rules file is unusable: the service refuses to start rather than stay silent."""


@dataclass(frozen=True)
class Rule:
    event: str
    when: Mapping[str, Any]
    notify: tuple[str, ...]
    template: str
    # Whether the person who caused the event is told too (a reporter's own
    # new incident is confirmed; an agent is not told about their own reply).
    tell_actor: bool = False
    attach: tuple[str, ...] = ()

    def matches(self, data: Mapping[str, Any]) -> bool:
        return all(data.get(key) == value for key, value in self.when.items())


class Rules:
    def __init__(self, rules: list[Rule]):
        self._by_event: dict[str, list[Rule]] = {}
        for rule in rules:
            self._by_event.setdefault(rule.event, []).append(rule)

    @classmethod
    def load(cls, path: Path, templates: Templates) -> Rules:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RulesError(f"{path}: {exc}") from None
        problems = sorted(
            jsonschema.Draft202012Validator(_SCHEMA).iter_errors(document), key=lambda e: e.path
        )
        if problems:
            first = problems[0]
            where = "/".join(str(p) for p in first.absolute_path)
            raise RulesError(f"{path}: at /{where}: {first.message}")
        rules = [
            Rule(
                r["event"],
                r.get("when", {}),
                tuple(r["notify"]),
                r["template"],
                r.get("tell_actor", False),
                tuple(r.get("attach", ())),
            )
            for r in document["rules"]
        ]
        missing = sorted({r.template for r in rules} - templates.names())
        if missing:
            raise RulesError(f"{path}: no template named {', '.join(missing)}")
        return cls(rules)

    def for_event(self, event_type: str, data: Mapping[str, Any]) -> list[Rule]:
        return [rule for rule in self._by_event.get(event_type, ()) if rule.matches(data)]


def named_group(selector: str) -> tuple[str, bool] | None:
    """`group:L2` → ("L2", False), `lead:L2` → ("L2", True); None for other selectors."""
    for prefix in _NAMED:
        if selector.startswith(prefix):
            return selector[len(prefix) :], prefix == "lead:"
    return None
