"""A form's texts in another language (`<form>-uischema.<language>.json`): checked
at deployment, kept with the process version, shown with the default as fallback."""

from __future__ import annotations

import json

import pytest

from service.domain import locales
from service.forms import check_translation, translated, translation_name, translation_of
from tests.api.test_deployments_api import deploy
from tests.conftest import FORMS
from tests.helpers import only_task, open_incident

TRIAGE_SCHEMA = json.loads((FORMS / "triage-schema.json").read_text())


def test_a_translation_replaces_the_texts_it_gives_and_leaves_the_rest():
    texts = {
        "ui:title": "Διαλογή",
        "kind": {"ui:title": "Είδος", "ui:enumNames": ["Περιστατικό", "Αίτημα"]},
        "impact": {"ui:description": "Πόσο επηρεάζει"},
    }
    schema, ui = translated(TRIAGE_SCHEMA, {"kind": {"ui:widget": "radio"}}, texts)
    assert ui["ui:title"] == "Διαλογή" and ui["kind"] == {"ui:widget": "radio"}
    assert schema["properties"]["kind"]["title"] == "Είδος"
    assert schema["properties"]["kind"]["enumNames"] == ["Περιστατικό", "Αίτημα"]
    assert schema["properties"]["impact"]["description"] == "Πόσο επηρεάζει"
    # What it does not translate falls back to the default text.
    assert schema["properties"]["impact"]["title"] == "Impact"
    assert schema["properties"]["category"]["enumNames"][0] == "Hardware"
    # The deployed schema itself is untouched (validation uses it).
    assert TRIAGE_SCHEMA["properties"]["kind"]["title"] == "Incident or service request"
    assert translated(TRIAGE_SCHEMA, {}, {}) == (TRIAGE_SCHEMA, {})


def test_translation_files_are_named_after_their_form():
    assert translation_name("triage-schema.json", "el") == "triage-uischema.el.json"
    assert translation_of("triage-uischema.el.json") == ("triage-schema.json", "el")
    assert translation_of("triage-uischema.json") is None


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ({"kind": {"ui:title": 3}}, "kind: ui:title must be a string"),
        ({"colour": {"ui:title": "Χρώμα"}}, "'colour' is not a field of triage-schema.json"),
        ({"kind": {"ui:widget": "select"}}, "kind: ui:widget is not a text"),
        ({"kind": {"ui:enumNames": ["Ένα"]}}, "ui:enumNames has 1 names for 2 options"),
        ([], "must be a JSON object"),
    ],
)
def test_a_translation_that_does_not_fit_its_form_is_described(document, words):
    problems = check_translation(
        "triage-uischema.el.json", document, TRIAGE_SCHEMA, locales.LANGUAGES
    )
    assert any(words in p for p in problems), problems


def test_every_shipped_translation_fits_its_form():
    shipped = sorted(FORMS.glob("*-uischema.*.json"))
    assert {p.name for p in shipped} >= {
        "triage-uischema.el.json",
        "confirm-resolution-uischema.el.json",
    }
    for path in shipped:
        schema_name, _language = translation_of(path.name)
        schema = json.loads((FORMS / schema_name).read_text())
        document = json.loads(path.read_text())
        assert check_translation(path.name, document, schema, locales.LANGUAGES) == []
        # Greek for every field of the form, so no English shows through.
        assert set(schema["properties"]) <= set(document), path.name


def test_a_deployment_with_a_translation_that_does_not_fit_is_refused_naming_it(api):
    files = {
        "triage-schema.json": (FORMS / "triage-schema.json").read_bytes(),
        "triage-uischema.el.json": json.dumps({"colour": {"ui:title": "Χρώμα"}}).encode(),
        "triage-uischema.fr.json": b"{}",
    }
    refused = deploy(api.olga, files)
    assert refused.status_code == 422, refused.json
    named = {e["field"] for e in refused.json["errors"]}
    assert named == {"triage-uischema.el.json", "triage-uischema.fr.json"}


def test_a_new_translation_reaches_new_incidents_and_the_old_ones_keep_theirs(api):
    api.rita.patch("/api/me", json={"language": "el"})
    api.alice.patch("/api/me", json={"language": "el"})
    before = open_incident(api.rita)
    texts = json.loads((FORMS / "triage-uischema.el.json").read_text())
    texts["category"]["ui:title"] = "Είδος βλάβης"
    deployed = deploy(
        api.olga,
        {"triage-uischema.el.json": json.dumps(texts, ensure_ascii=False).encode()},
    )
    assert deployed.status_code in (200, 201), deployed.json
    after = open_incident(api.rita)

    def category_title(incident):
        task = api.alice.get(f"/api/tasks/{only_task(incident, 'triage')['id']}").json
        return task["form_schema"]["properties"]["category"]["title"]

    assert category_title(before) == "Κατηγορία"
    assert category_title(after) == "Είδος βλάβης"
