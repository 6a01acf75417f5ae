"""Followers over HTTP: who may follow, who may add whom, what following shows and tells."""

from __future__ import annotations

from tests.helpers import RESOLVED, TRIAGE, complete, event_types, get_incident, open_incident


def followers(client, number):
    response = client.get(f"/api/incidents/{number}/followers")
    assert response.status_code == 200, response.json
    return [f["username"] for f in response.json]


def told(client, number, event):
    return [
        n
        for n in client.get("/api/notifications").json
        if n["incident_number"] == number and n["event"] == event
    ]


def test_an_agent_adds_a_follower_who_then_sees_the_incident(api):
    incident = open_incident(api.rita, title="Shared drive is slow")
    number = incident["number"]
    assert api.ron.get(f"/api/incidents/{number}").status_code == 404

    response = api.alice.post(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert response.status_code == 200, response.json
    assert [f["username"] for f in response.json] == ["ron"]
    assert get_incident(api.ron, number)["followers"] == ["ron"]
    assert number in [i["number"] for i in api.ron.get("/api/incidents").json]
    assert followers(api.alice, number) == ["ron"]
    # the reporter sees that the incident has followers only as far as herself
    assert followers(api.rita, number) == []
    assert "incident.follower_added" in event_types(api.alice, number)

    # again: nothing changes
    again = api.alice.post(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert again.status_code == 200
    assert followers(api.alice, number) == ["ron"]

    gone = api.ron.delete(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert gone.status_code == 200, gone.json
    assert api.ron.get(f"/api/incidents/{number}").status_code == 404
    assert "incident.follower_removed" in event_types(api.alice, number)


def test_a_reporter_who_cannot_see_an_incident_cannot_follow_it(api):
    incident = open_incident(api.rita)
    response = api.ron.post(f"/api/incidents/{incident['number']}/followers", json={"user": "ron"})
    assert response.status_code == 404, response.json
    assert api.ron.get(f"/api/incidents/{incident['number']}").status_code == 404


def test_a_reporter_follows_only_for_themselves(api, people):
    incident = open_incident(api.rita)
    number = incident["number"]
    # her own incident, for herself: allowed
    assert (
        api.rita.post(f"/api/incidents/{number}/followers", json={"user": "rita"}).status_code
        == 200
    )
    refused = api.rita.post(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert refused.status_code == 403, refused.json
    assert "yourself" in refused.json["message"]
    api.alice.post(f"/api/incidents/{number}/followers", json={"user": "ron"})
    removing = api.rita.delete(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert removing.status_code == 403


def test_refusals_name_the_problem(api):
    number = open_incident(api.rita)["number"]
    unknown = api.alice.post(f"/api/incidents/{number}/followers", json={"user": "nobody"})
    assert unknown.status_code == 422
    assert unknown.json["errors"][0]["field"] == "$.user"
    wrong_type = api.alice.post(f"/api/incidents/{number}/followers", json={"user": True})
    assert wrong_type.status_code == 422
    not_following = api.alice.delete(f"/api/incidents/{number}/followers", json={"user": "ron"})
    assert not_following.status_code == 409
    assert "does not follow" in not_following.json["message"]
    ron_id = api.adam.get("/api/users/ron").json["id"]
    added = api.alice.post(f"/api/incidents/{number}/followers", json={"user": ron_id})
    assert added.status_code == 200, added.json
    assert [f["username"] for f in added.json] == ["ron"]


def test_followers_are_told_as_the_reporter_is(api):
    incident = open_incident(api.rita, title="Shared drive is slow")
    number = incident["number"]
    api.alice.post(f"/api/incidents/{number}/followers", json={"user": "ron"})
    incident = complete(api.alice, incident, "triage", TRIAGE)
    assert told(api.ron, number, "incident.status_changed")
    public = api.alice.post(f"/api/incidents/{number}/comments", json={"body": "Looking at it"})
    assert public.status_code == 201, public.json
    assert told(api.ron, number, "comment.added")
    internal = api.alice.post(
        f"/api/incidents/{number}/comments", json={"body": "Disk 98 %", "public": False}
    )
    assert internal.status_code == 201, internal.json
    assert len(told(api.ron, number, "comment.added")) == 1
    complete(api.alice, incident, "l1_diagnose", RESOLVED)
    assert told(api.ron, number, "incident.resolved")
    # a follower is not the reporter: the confirmation stays hers
    assert api.ron.get("/api/tasks").json == []
