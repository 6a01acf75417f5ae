"""GET and PATCH /api/me: the language and time zone a user reads the desk in."""

from __future__ import annotations

import pytest


def test_me_shows_the_desks_defaults_until_the_user_chooses(api):
    me = api.rita.get("/api/me")
    assert me.status_code == 200
    assert me.json["language"] == "en" and me.json["time_zone"] == "UTC"

    changed = api.rita.patch("/api/me", json={"language": "el", "time_zone": "Europe/Athens"})
    assert changed.status_code == 200, changed.json
    assert changed.json == {
        "username": "rita",
        "groups": [],
        "language": "el",
        "time_zone": "Europe/Athens",
    }
    assert api.rita.get("/api/me").json["time_zone"] == "Europe/Athens"
    # Only what is sent changes; null goes back to the default.
    assert api.rita.patch("/api/me", json={"time_zone": None}).json["time_zone"] == "UTC"
    assert api.rita.get("/api/me").json["language"] == "el"
    # Someone else's choice is theirs.
    assert api.ron.get("/api/me").json["language"] == "en"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"language": "fr"}, "$.language"),
        ({"language": "EL"}, "$.language"),
        ({"time_zone": "Europe/Atlantis"}, "$.time_zone"),
        ({"time_zone": "/etc/passwd"}, "$.time_zone"),
        ({"time_zone": "../../etc/localtime"}, "$.time_zone"),
        ({"time_zone": 3}, "$.time_zone"),
        ({"colour": "blue"}, "$.colour"),
    ],
)
def test_what_the_desk_does_not_know_is_refused_naming_the_field(api, body, field):
    refused = api.rita.patch("/api/me", json=body)
    assert refused.status_code == 422, refused.json
    assert field in {e["field"] for e in refused.json["errors"]}
    assert api.rita.get("/api/me").json["language"] == "en"


def test_changing_your_language_needs_your_token(api):
    assert api.anonymous.patch("/api/me", json={"language": "el"}).status_code == 401


class TestADeskInAthens:
    @pytest.fixture
    def settings(self, settings):
        return settings.with_overrides(default_language="el", default_timezone="Europe/Athens")

    def test_the_defaults_come_from_the_settings(self, api):
        me = api.alice.get("/api/me").json
        assert (me["language"], me["time_zone"]) == ("el", "Europe/Athens")


@pytest.mark.parametrize(
    ("name", "value"), [("DEFAULT_LANGUAGE", "fr"), ("DEFAULT_TIMEZONE", "Europe/Atlantis")]
)
def test_a_default_the_desk_does_not_know_stops_it_at_start(name, value):
    from service.config import Settings

    with pytest.raises(ValueError, match=f"INCIDENT_DESK_{name}"):
        Settings.from_env({f"INCIDENT_DESK_{name}": value})


def test_problem_titles_follow_accept_language_and_details_stay_english(api):
    asked = api.rita.get("/api/incidents/INC-999999", headers={"Accept-Language": "el"})
    assert asked.status_code == 404
    assert asked.json["title"] == "Δεν βρέθηκε"
    assert asked.headers["Content-Language"] == "el"
    assert asked.json["detail"] == asked.json["message"] and asked.json["detail"].isascii()
    # Without the header, the caller's own language; English by default.
    assert api.rita.get("/api/incidents/INC-999999").json["title"] == "Not Found"
    api.rita.patch("/api/me", json={"language": "el"})
    assert api.rita.get("/api/incidents/INC-999999").json["title"] == "Δεν βρέθηκε"
    english = api.rita.get("/api/incidents/INC-999999", headers={"Accept-Language": "en-US"})
    assert english.json["title"] == "Not Found"
    refused = api.rita.patch("/api/me", json={"language": "fr"}, headers={"Accept-Language": "el"})
    assert refused.json["title"] == "Μη επεξεργάσιμο περιεχόμενο"
