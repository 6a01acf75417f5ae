"""Retention: the worker pseudonymises closed incidents past INCIDENT_DESK_RETENTION_DAYS."""

from __future__ import annotations

import pytest

from service.worker import RetentionWorker, loops
from tests.api.test_person_data_api import SECRET_WORDS, closed_incident
from tests.conftest import settings_for
from tests.helpers import open_incident


@pytest.fixture
def settings(database_url):
    return settings_for(database_url, retention_days=30)


def test_closed_incidents_past_retention_are_pseudonymised_once(api, svc, clock):
    closed = closed_incident(api, clock)["number"]
    still_open = open_incident(api.rita, description=f"{SECRET_WORDS} again")["number"]
    worker = RetentionWorker(svc, batch=1)
    assert "retention" in [loop.what for loop in loops(svc)]
    clock.advance(days=29)
    assert worker.run_once() == 0
    assert api.alice.get(f"/api/incidents/{closed}").json["reporter_name"] == "Rita Reporter"
    clock.advance(days=2)
    assert worker.run_once() == 1
    assert worker.run_once() == 0  # idempotent: done once
    kept = api.alice.get(f"/api/incidents/{closed}").json
    assert (kept["reporter_name"], kept["description"]) == ("[erased]", "[erased]")
    assert (kept["priority"], kept["status"]) == ("P3", "closed")
    comments = api.alice.get(f"/api/incidents/{closed}/comments").json
    assert SECRET_WORDS not in str(comments)
    found = api.alice.get("/api/incidents", query_string={"q": SECRET_WORDS}).json
    assert [i["number"] for i in found] == [still_open]
    # the account itself stays: retention is about incidents, not people
    assert api.rita.get(f"/api/incidents/{still_open}").status_code == 200
