"""Task forms are validated on the server and every failing field is named."""

from __future__ import annotations

import hashlib
import json

import pytest

from service.domain.errors import InvalidInput, ProcessDefinitionError
from service.forms import Form, FormStore, format_checker, read_json, unchecked_formats
from tests.conftest import FORMS


class Forms:
    """The forms folder as the service sees it once deployed."""

    def __init__(self):
        self._store = FormStore()

    def _form(self, name: str) -> Form:
        content = (FORMS / name).read_bytes()
        return self._store.form(name, hashlib.sha256(content).hexdigest(), lambda: content)

    def validate(self, name, data):
        return self._form(name).validate(data)

    def defaults(self, name, data):
        return self._form(name).defaults(data)


@pytest.fixture
def forms():
    return Forms()


def fields_of(excinfo):
    return {error.field: error.message for error in excinfo.value.errors}


def test_missing_and_wrong_fields_are_each_listed(forms):
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate(
            "triage-schema.json", {"kind": "incident", "impact": "huge", "colour": "red"}
        )
    errors = fields_of(excinfo)
    assert errors["$.category"] == "this field is required"
    assert "'huge' is not one of" in errors["$.impact"]
    assert errors["$.urgency"] == "this field is required"
    assert errors["$.colour"] == "this field is not part of the form"


def test_impact_and_urgency_are_only_required_for_incidents(forms):
    data = forms.validate("triage-schema.json", {"kind": "request", "category": "access"})
    assert data["kind"] == "request"
    assert "impact" not in data  # left out, so the process keeps what it knew


def test_resolving_needs_a_resolution_and_a_restored_service(forms):
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate(
            "l1-diagnose-schema.json", {"outcome": "resolved", "service_restored": False}
        )
    errors = fields_of(excinfo)
    assert errors["$.resolution"] == "this field is required"
    assert "True was expected" in errors["$.service_restored"]
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate(
            "l2-investigate-schema.json",
            {"outcome": "resolved", "resolution": "   ", "service_restored": True},
        )
    assert "$.resolution" in fields_of(excinfo)
    assert (
        forms.validate("l1-diagnose-schema.json", {"outcome": "escalate"})["outcome"] == "escalate"
    )


def test_l3_cannot_escalate(forms):
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate("l3-resolve-schema.json", {"outcome": "escalate"})
    assert "$.outcome" in fields_of(excinfo)


def test_not_fixed_needs_a_comment(forms):
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate("confirm-resolution-schema.json", {"confirmed": False})
    assert fields_of(excinfo) == {"$.comment": "this field is required"}
    assert (
        forms.validate("confirm-resolution-schema.json", {"confirmed": True})["confirmed"] is True
    )


def test_data_must_be_an_object(forms):
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate("triage-schema.json", ["kind"])
    assert fields_of(excinfo) == {"$": "expected an object"}


def test_defaults_come_from_known_values_then_the_schema(forms):
    defaults = forms.defaults(
        "triage-schema.json", {"impact": "high", "title": "x", "urgency": None}
    )
    assert defaults == {"kind": "incident", "impact": "high"}


def test_each_content_is_its_own_form():
    store = FormStore()
    old = json.dumps({"type": "object", "required": ["a"]}).encode()
    new = json.dumps({"type": "object", "required": ["b"], "properties": {"b": {}}}).encode()
    with pytest.raises(InvalidInput):
        store.form("f-schema.json", "old", lambda: old).validate({})
    with pytest.raises(InvalidInput) as excinfo:
        store.form("f-schema.json", "new", lambda: new).validate({"a": 1})
    assert "$.b" in fields_of(excinfo)
    # The old content is still what its hash names: an incident keeps its version's form.
    assert store.form("f-schema.json", "old", lambda: b"").validate({"a": 1}) == {"a": 1}


def test_a_broken_form_file_names_the_file_and_the_line():
    with pytest.raises(ProcessDefinitionError, match="JSON Schema") as excinfo:
        read_json("bad-schema.json", b'{"type": "object", "required": 3}')
    assert excinfo.value.file == "bad-schema.json"
    with pytest.raises(ProcessDefinitionError, match="not valid JSON") as excinfo:
        read_json("notjson-schema.json", b'{\n  "type": "object",\n  oops\n}')
    assert (excinfo.value.file, excinfo.value.line) == ("notjson-schema.json", 3)
    with pytest.raises(ProcessDefinitionError, match="JSON object"):
        read_json("list-schema.json", b"[]")
    with pytest.raises(ProcessDefinitionError, match="UTF-8"):
        read_json("latin-schema.json", b'{"title": "caf\xe9"}')
    # A UI schema is JSON but not a JSON Schema.
    assert read_json("f-uischema.json", b'{"ui:order": ["a"]}') == {"ui:order": ["a"]}


def test_formats_are_enforced_with_a_message_on_the_field(forms):
    good = {"call_at": "2026-03-02T14:00:00+01:00", "medium": "phone", "join": "+30 210 555 0100"}
    assert forms.validate("arrange-call-schema.json", good) == good
    with pytest.raises(InvalidInput) as excinfo:
        forms.validate("arrange-call-schema.json", good | {"call_at": "tomorrow 3pm"})
    assert fields_of(excinfo) == {
        "$.call_at": "not a date and time with its zone, e.g. 2026-03-02T14:00:00+01:00"
    }
    email = Form("e-schema.json", {"properties": {"to": {"format": "email"}}})
    with pytest.raises(InvalidInput) as excinfo:
        email.validate({"to": "nobody"})
    assert fields_of(excinfo) == {"$.to": "not an e-mail address"}


def test_every_format_the_shipped_forms_use_is_checked():
    # Without its checker (jsonschema[format-nongpl]) a format lets any string through.
    assert {"date-time", "date", "email", "uri"} <= set(format_checker().checkers)
    for path in FORMS.glob("*-schema.json"):
        assert unchecked_formats(json.loads(path.read_text())) == set(), path.name
