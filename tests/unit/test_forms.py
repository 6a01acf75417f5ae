"""Task forms are validated on the server and every failing field is named."""

from __future__ import annotations

import json

import pytest

from service.domain.errors import InvalidInput, ProcessError
from service.forms import FormStore
from tests.conftest import FORMS


@pytest.fixture
def forms():
    return FormStore(FORMS)


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


def test_form_names_cannot_leave_the_folder(forms):
    for name in ("../pyproject.toml", "/etc/passwd", "triage-schema.json/..", ""):
        with pytest.raises(ProcessError):
            forms.schema(name)


def test_a_changed_file_is_read_again(tmp_path):
    path = tmp_path / "f-schema.json"
    path.write_text(json.dumps({"type": "object", "required": ["a"]}))
    store = FormStore(tmp_path)
    with pytest.raises(InvalidInput):
        store.validate("f-schema.json", {})
    path.write_text(json.dumps({"type": "object", "required": ["b"], "properties": {"b": {}}}))
    with pytest.raises(InvalidInput) as excinfo:
        store.validate("f-schema.json", {"a": 1})
    assert "$.b" in fields_of(excinfo)


def test_a_broken_form_file_is_a_process_error(tmp_path):
    (tmp_path / "bad-schema.json").write_text('{"type": "object", "required": 3}')
    (tmp_path / "notjson-schema.json").write_text("{")
    store = FormStore(tmp_path)
    for name in ("bad-schema.json", "notjson-schema.json", "missing-schema.json"):
        with pytest.raises(ProcessError, match=name):
            store.validate(name, {})
