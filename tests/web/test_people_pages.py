"""The admins' page of users: filters, groups and leads, disabling and enabling."""

from __future__ import annotations

from service.services import sign_in
from tests.web.test_pages import PASSWORD, Browser


def signed_in(app, svc, name):
    sign_in.set_password(svc, name, PASSWORD)
    page = Browser(app)
    page.sign_in(name)
    return page


def text(response):
    return response.get_data(as_text=True)


def test_an_admin_filters_changes_groups_and_disables_from_the_page(app, api, svc):
    adam = signed_in(app, svc, "adam")
    listing = text(adam.get("/users"))
    assert "Rita Reporter" in listing and "alice@desk.example.org" in listing
    l2 = text(adam.get("/users?group=L2&q=bert"))
    assert "Bert L2 lead" in l2 and "Rita Reporter" not in l2
    saved = adam.post(
        "/users/bob/groups", {"group": ["L2", "L3"], "lead": ["L3"]}, follow_redirects=True
    )
    assert "bob: groups saved." in text(saved)
    assert api.adam.get("/api/users/bob").json["lead_of"] == ["L3"]
    wrong = adam.post("/users/bob/groups", {"group": ["L2"], "lead": ["L1"]}, follow_redirects=True)
    assert "lead only groups the user is in" in text(wrong)
    off = adam.post("/users/bob/disable", {}, follow_redirects=True)
    assert "bob is disabled" in text(off)
    assert "bob" in text(adam.get("/users?state=disabled"))
    assert "Rita Reporter" not in text(adam.get("/users?state=disabled"))
    on = adam.post("/users/bob/enable", {}, follow_redirects=True)
    assert "bob may sign in again." in text(on)


def test_the_page_is_for_admins_only(app, api, svc):
    alice = signed_in(app, svc, "alice")
    assert alice.get("/users").status_code == 403
    assert alice.post("/users/bob/disable", {}).status_code == 403
    assert "/users" not in text(alice.get("/queue"))


def test_an_admin_cannot_disable_themselves_from_the_page(app, api, svc):
    adam = signed_in(app, svc, "adam")
    assert "Disable" in text(adam.get("/users?q=bob"))
    assert adam.post("/users/adam/disable", {}).status_code == 409
