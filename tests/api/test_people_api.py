"""Administering accounts over HTTP: listing, changing groups and leads, disabling and
enabling, and who may."""

from __future__ import annotations

from service.services import sign_in
from tests.helpers import only_task, open_incident
from tests.web.test_pages import PASSWORD, Browser


def test_admins_list_users_with_filters(api):
    everyone = api.adam.get("/api/users")
    assert everyone.status_code == 200, everyone.json
    names = [u["username"] for u in everyone.json]
    assert names == sorted(names) and {"rita", "alice", "adam"} <= set(names)
    l1 = api.adam.get("/api/users?group=L1").json
    assert {u["username"] for u in l1} == {"alice", "lena", "lara"}
    [lara] = [u for u in l1 if u["username"] == "lara"]
    assert lara["lead_of"] == ["L1"] and lara["disabled"] is False
    found = api.adam.get("/api/users?q=REPORTER").json
    assert {u["username"] for u in found} == {"rita", "ron"}
    assert api.adam.get("/api/users?disabled=true").json == []
    bad = api.adam.get("/api/users?group=L9")
    assert bad.status_code == 422 and "group" in str(bad.json["errors"])


def test_only_admins_administer_users(api):
    for client in (api.alice, api.rita, api.lara):
        assert client.get("/api/users").status_code == 403
        assert client.patch("/api/users/bob", json={"groups": ["L3"]}).status_code == 403
        assert client.post("/api/users/bob/disable").status_code == 403
        assert client.post("/api/users/bob/enable").status_code == 403
    assert api.adam.get("/api/users/nobody").status_code == 404
    assert api.adam.patch("/api/users/nobody", json={"contact": "x"}).status_code == 404
    assert api.adam.post("/api/users/nobody/disable").status_code == 404
    assert api.adam.post("/api/users/nobody/enable").status_code == 404


def test_an_admin_changes_groups_and_leads_and_it_is_audited(api, svc):
    changed = api.adam.patch("/api/users/bob", json={"groups": ["L2", "L3"], "lead_of": ["L3"]})
    assert changed.status_code == 200, changed.json
    assert changed.json["groups"] == ["L2", "L3"] and changed.json["lead_of"] == ["L3"]
    # bob's own token now carries L3: he sees L3's rule as its lead
    assert api.bob.get("/api/groups/L3/assignment").status_code == 200
    # groups without lead_of keep the leads that are still among them
    again = api.adam.patch("/api/users/bob", json={"groups": ["L3"]}).json
    assert again["groups"] == ["L3"] and again["lead_of"] == ["L3"]
    named = api.adam.patch("/api/users/bob", json={"display_name": "Robert", "contact": None})
    assert named.json["display_name"] == "Robert" and named.json["contact"] is None
    from sqlalchemy import select

    from service.models import AuditEvent

    with svc.db.read() as uow:
        changes = [
            e.data
            for e in uow.session.scalars(
                select(AuditEvent).where(AuditEvent.type == "user.changed")
            )
        ]
    assert changes[0]["user"] == "bob" and changes[0]["changes"]["groups"]["new"] == ["L2", "L3"]
    assert len(changes) == 3


def test_bad_changes_name_the_field(api):
    lead = api.adam.patch("/api/users/bob", json={"lead_of": ["L1"]})
    assert lead.status_code == 422 and lead.json["errors"][0]["field"] == "$.lead_of"
    unknown = api.adam.patch("/api/users/bob", json={"groups": ["L9"]})
    assert unknown.status_code == 422 and "groups" in str(unknown.json["errors"])
    empty = api.adam.patch("/api/users/bob", json={})
    assert empty.status_code == 422
    assert api.adam.patch("/api/users/bob", json={"groups": "L1"}).status_code == 422


def test_the_last_admin_stays_an_admin_and_nobody_disables_themselves(api):
    assert api.adam.post("/api/users/adam/disable").status_code == 409
    last = api.adam.patch("/api/users/adam", json={"groups": ["L1"]})
    assert last.status_code == 409 and "last admin" in last.json["detail"]
    assert (
        api.adam.patch("/api/users/olga", json={"groups": ["process-owner", "admin"]}).status_code
        == 200
    )
    # now there are two: olga may take adam out of admin, but not herself out as the last
    assert api.olga.post("/api/users/adam/disable").status_code == 200
    assert api.olga.patch("/api/users/olga", json={"groups": []}).status_code == 409


def test_a_disabled_users_token_and_session_stop_working_at_once(app, api, svc):
    sign_in.set_password(svc, "alice", PASSWORD)
    page = Browser(app)
    page.sign_in("alice")
    assert page.get("/queue").status_code == 200
    assert api.alice.get("/api/tasks").status_code == 200
    disabled = api.adam.post("/api/users/alice/disable")
    assert disabled.status_code == 200, disabled.json
    assert disabled.json["account"]["disabled"] is True
    assert disabled.json["tokens_revoked"] == 1
    assert api.alice.get("/api/tasks").status_code == 401
    gone = page.get("/queue")
    assert gone.status_code == 302 and "/login" in gone.location
    # and she cannot sign in again, by page or with a new token
    again = Browser(app)
    refused = again.sign_in("alice")
    assert "disabled" in refused.get_data(as_text=True)
    assert again.get("/queue").status_code == 302
    from service.services import users

    _view, token = users.create_token(svc, "alice")
    assert api.with_token(token).get("/api/tasks").status_code == 401
    assert [u["username"] for u in api.adam.get("/api/users?disabled=true").json] == ["alice"]
    # enabled again: a new token works, the old sessions stay ended
    enabled = api.adam.post("/api/users/alice/enable")
    assert enabled.status_code == 200 and enabled.json["disabled"] is False
    assert api.with_token(token).get("/api/tasks").status_code == 200
    assert api.alice.get("/api/tasks").status_code == 401
    assert page.get("/queue").status_code == 302
    back = Browser(app)
    back.sign_in("alice")
    assert back.get("/queue").status_code == 200


def test_disabling_releases_claimed_tasks_and_tells_the_group(api):
    incident = open_incident(api.rita)
    task = only_task(incident, "triage")["id"]
    assert api.alice.post(f"/api/tasks/{task}/claim").status_code == 200
    assert api.alice.get(f"/api/incidents/{incident['number']}").json["assignee"] == "alice"
    disabled = api.adam.post("/api/users/alice/disable").json
    assert disabled["released_tasks"] == [task]
    assert api.lena.get(f"/api/tasks/{task}").json["task"]["claimed_by"] is None
    assert api.lena.get(f"/api/incidents/{incident['number']}").json["assignee"] is None
    trail = api.adam.get(f"/api/incidents/{incident['number']}/events").json
    [released] = [e for e in trail if e["type"] == "task.released"]
    assert released["actor"] == "adam" and released["data"]["released_from"] == "alice"
    told = [n for n in api.lara.get("/api/notifications").json if n["event"] == "user.disabled"]
    assert len(told) == 1 and told[0]["recipient"] == "lara"
    assert told[0]["data"] == {"user": "alice", "released_tasks": [task]}
    # the queue is the group's again: lena claims it
    assert api.lena.post(f"/api/tasks/{task}/claim").status_code == 200


def test_a_disabled_member_gets_no_work_from_automatic_assignment(api):
    assert (
        api.adam.put("/api/groups/L1/assignment", json={"mode": "round_robin"}).status_code == 200
    )
    assert api.adam.post("/api/users/alice/disable").status_code == 200
    assert api.adam.post("/api/users/lena/disable").status_code == 200
    for _ in range(3):
        task = only_task(open_incident(api.rita), "triage")
        assert task["claimed_by"] == "lara"
    # nor may a task be handed to them by hand
    handed = api.lara.post(f"/api/tasks/{task['id']}/assign", json={"user": "alice"})
    assert handed.status_code == 422
