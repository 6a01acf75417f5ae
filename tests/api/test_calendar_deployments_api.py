"""Calendar files are deployed like decision tables: a bad one is refused naming file and field."""

from __future__ import annotations

import json

import pytest

from tests.api.test_deployments_api import SLA, deploy
from tests.conftest import PROCESSES

GOOD = json.loads((PROCESSES / "calendars" / "athens-business.calendar.json").read_text())
NAME = "athens-business.calendar.json"


def changed(**fields) -> bytes:
    return json.dumps(GOOD | fields).encode()


@pytest.mark.parametrize(
    ("content", "pointer", "words"),
    [
        (changed(time_zone="Europe/Atlantis"), "/time_zone", "not an IANA time zone"),
        (
            changed(hours=GOOD["hours"] | {"monday": ["09:00-13:00", "12:00-17:00"]}),
            "/hours/monday",
            "overlap",
        ),
        (
            changed(hours=GOOD["hours"] | {"friday": ["22:00-06:00"]}),
            "/hours/friday/0",
            "across midnight are two spans",
        ),
        (changed(hours=GOOD["hours"] | {"funday": []}), "/hours/funday", "not a day"),
        (changed(holidays={"country": "XX"}), "/holidays/country", "not a country"),
        (
            changed(holidays={"country": "GR", "subdivision": "ZZ"}),
            "/holidays/subdivision",
            "not a region of GR",
        ),
        (changed(holidays={"country": "GR", "extra": ["2026-02-30"]}), "/holidays/extra/0", "date"),
        (changed(closed=["2026-12-31", "31/12/2026"]), "/closed/1", "not a date"),
        (changed(closed=["2026-08-14/2026-08-10"]), "/closed/0", "first date first"),
        (changed(hours={day: [] for day in GOOD["hours"]}), "/hours", "no opening hours"),
        (b"{not json", "", "not valid JSON"),
    ],
)
def test_a_bad_calendar_is_refused_with_the_file_and_the_field(api, content, pointer, words):
    response = deploy(api.olga, {NAME: content})

    assert response.status_code == 422, response.json
    [error] = response.json["errors"]
    assert error["field"] == NAME
    assert error["pointer"] == pointer
    assert words in error["message"]
    assert api.olga.get("/api/processes/incident/versions").json[-1]["version"] == 1


def test_the_built_in_calendar_cannot_be_replaced(api):
    response = deploy(api.olga, {"24x7.calendar.json": changed()})
    assert response.status_code == 422
    assert "built in" in response.json["errors"][0]["message"]


def test_a_decision_table_naming_an_unknown_calendar_is_refused(api):
    table = SLA.replace(b'"athens-business"', b'"berlin-business"', 1)
    response = deploy(api.olga, {"sla.dmn": table})
    assert response.status_code == 422, response.json
    [error] = response.json["errors"]
    assert error["field"] == "sla.dmn"
    assert error["element_id"] == "rule_P3_calendar"
    assert "'berlin-business' is not deployed" in error["message"]


def test_a_new_calendar_deploys_and_versions_the_processes(api):
    berlin = changed(time_zone="Europe/Berlin", holidays={"country": "DE", "subdivision": "BE"})
    response = deploy(api.olga, {"berlin-business.calendar.json": berlin})
    assert response.status_code == 201, response.json
    table = SLA.replace(b'"athens-business"', b'"berlin-business"', 1)
    assert deploy(api.olga, {"sla.dmn": table}).status_code == 201
