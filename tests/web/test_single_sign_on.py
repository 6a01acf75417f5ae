"""Single sign-on on the pages, against a real OpenID provider (tests/oidc_provider.py):
the desk's user made on the first sign-in, groups from the provider's claim, and the
answers it must refuse."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from service import create_app
from service.domain.errors import Unauthenticated
from service.services import sign_in, users
from service.web import sso_client
from tests import oidc_provider
from tests.conftest import settings_for

PASSWORD = "correct horse battery"
GROUP_MAP = "it-l1=L1,it-l2=L2,desk-admins=admin"
ACCOUNTS = {
    "sub-0001": {
        "preferred_username": "Anna",
        "email": "anna@example.org",
        "name": "Anna Agent",
        "groups": ["it-l1", "staff"],
    },
    "sub-0002": {"email": "rhea@example.org", "name": "Rhea Reporter", "groups": ["staff"]},
    "sub-0003": {"preferred_username": "alice", "email": "impostor@example.org"},
}
_TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    with oidc_provider.running(tmp_path_factory.mktemp("idp"), ACCOUNTS) as running:
        yield running


@pytest.fixture
def make_app(database_url, provider):
    made = []

    def make(**overrides):
        settings = settings_for(
            database_url,
            public_url=oidc_provider.PUBLIC_URL,
            oidc_issuer=provider.issuer,
            oidc_name="Example ID",
            oidc_client_id="desk",
            oidc_client_secret=provider.clients["desk"],
            oidc_ca_file=str(provider.ca_file),
            oidc_group_map=GROUP_MAP,
            **overrides,
        )
        # The real clock: the provider's tokens and certificates are stamped with it.
        application = create_app(settings)
        made.append(application)
        return application

    yield make
    for application in made:
        application.extensions["incident_desk"].close()


@pytest.fixture
def app(make_app, provider):
    provider.set_accounts(ACCOUNTS)
    return make_app()


@pytest.fixture
def svc(app):
    return app.extensions["incident_desk"]


def start(desk, next_path="/settings"):
    started = desk.get(f"/sso/login?next={next_path}")
    assert started.status_code == 302
    return started.location


def sso(desk, provider, login, next_path="/settings"):
    """Sign in through the provider; the desk's answer to the provider's redirect."""
    back = provider.walk(provider.session(), start(desk, next_path), login)
    assert back.startswith(oidc_provider.CALLBACK)
    return desk.get(back.removeprefix(oidc_provider.PUBLIC_URL))


def signed_in(desk) -> bool:
    return desk.get("/settings").status_code == 200


def groups_of(svc, username):
    return next(u.groups for u in users.list_users(svc) if u.username == username)


def test_the_sign_in_page_offers_the_provider(app):
    page = app.test_client().get("/login").get_data(as_text=True)
    assert "Sign in with Example ID" in page
    assert 'name="password"' in page  # local passwords stay


def test_the_first_sign_in_makes_the_user_with_the_mapped_groups(app, svc, provider):
    desk = app.test_client()
    answer = sso(desk, provider, "sub-0001")
    assert answer.status_code == 302 and answer.location.endswith("/settings")
    assert signed_in(desk)
    made = next(u for u in users.list_users(svc) if u.username == "anna")
    assert made.groups == ["L1"]  # "staff" is mapped to nothing: ignored
    assert (made.display_name, made.contact) == ("Anna Agent", "anna@example.org")
    assert "anna" in desk.get("/settings").get_data(as_text=True)


def test_the_authorization_request_uses_pkce_and_a_nonce(app):
    location = start(app.test_client())
    assert "code_challenge_method=S256" in location
    assert "code_challenge=" in location and "nonce=" in location and "state=" in location


def test_each_sign_in_sets_the_groups_the_provider_names(app, svc, provider):
    sso(app.test_client(), provider, "sub-0001")
    # A group the map does not name is the desk's own business and stays.
    with svc.db.unit_of_work() as uow:
        from service.models import User, UserGroup

        user = uow.session.query(User).filter_by(username="anna").one()
        user.groups.append(UserGroup(group="privacy", is_lead=False))
        uow.commit()
    moved = {**ACCOUNTS, "sub-0001": {**ACCOUNTS["sub-0001"], "groups": ["it-l2", "desk-admins"]}}
    provider.set_accounts(moved)
    desk = app.test_client()
    assert sso(desk, provider, "sub-0001").status_code == 302
    assert groups_of(svc, "anna") == ["L2", "admin", "privacy"]
    # Found again by subject, not by name: one user.
    assert [u.username for u in users.list_users(svc)].count("anna") == 1


def test_someone_in_no_mapped_group_is_a_reporter_named_by_their_email(app, svc, provider):
    desk = app.test_client()
    assert sso(desk, provider, "sub-0002", next_path="/").status_code == 302
    assert groups_of(svc, "rhea@example.org") == []
    assert desk.get("/").location.endswith("/incidents")


def test_a_tampered_state_is_refused_with_no_session(app, provider):
    desk = app.test_client()
    back = provider.walk(provider.session(), start(desk), "sub-0001")
    tampered = re.sub(r"state=([^&]+)", lambda m: "state=" + m.group(1)[::-1], back)
    answer = desk.get(tampered.removeprefix(oidc_provider.PUBLIC_URL))
    assert answer.status_code == 401
    assert "does not belong to a sign-in started in this browser" in answer.get_data(as_text=True)
    assert not signed_in(desk)


def test_an_id_token_with_another_nonce_is_refused(app, provider, caplog):
    desk = app.test_client()
    location = start(desk)
    with desk.session_transaction() as session:
        key = next(k for k in session if k.startswith("_state_"))
        state = dict(session[key])
        state["data"] = {**state["data"], "nonce": "not-the-one-sent"}
        session[key] = state
    back = provider.walk(provider.session(), location, "sub-0001")
    answer = desk.get(back.removeprefix(oidc_provider.PUBLIC_URL))
    assert answer.status_code == 401
    assert "could not be verified" in answer.get_data(as_text=True)
    assert "'nonce'" in caplog.text
    assert not signed_in(desk)


def test_an_id_token_issued_to_another_client_is_refused(app, provider, monkeypatch, caplog):
    desk = app.test_client()
    location = start(desk)
    with desk.session_transaction() as session:
        nonce = next(v for k, v in session.items() if k.startswith("_state_"))["data"]["nonce"]
    # A genuine, signed answer of the provider, with the right nonce, but for `other`:
    # what a token endpoint reached through a compromised path might hand over.
    foreign = provider.token_for("other", "sub-0001", nonce)
    client = app.extensions[sso_client.EXTENSION].create_client(sso_client.PROVIDER)
    monkeypatch.setattr(client, "fetch_access_token", lambda **_: dict(foreign))
    back = provider.walk(provider.session(), location, "sub-0001")
    answer = desk.get(back.removeprefix(oidc_provider.PUBLIC_URL))
    assert answer.status_code == 401
    assert "'aud'" in caplog.text
    assert not signed_in(desk)


def test_a_provider_name_taken_by_a_local_user_is_not_joined_to_it(app, svc, provider):
    users.add_user(svc, "alice", groups=["admin"])
    desk = app.test_client()
    answer = sso(desk, provider, "sub-0003")
    assert answer.status_code == 409
    assert "already used by another user of the desk" in answer.get_data(as_text=True)
    assert not signed_in(desk)
    assert groups_of(svc, "alice") == ["admin"]


def test_local_passwords_still_work_beside_it(app, svc):
    users.add_user(svc, "lena", groups=["L1"])
    sign_in.set_password(svc, "lena", PASSWORD)
    desk = app.test_client()
    token = _TOKEN.search(desk.get("/login").get_data(as_text=True)).group(1)
    answer = desk.post(
        "/login", data={"username": "lena", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302 and signed_in(desk)


def test_signing_out_ends_the_desk_session_and_the_one_at_the_provider(app, provider):
    desk, browser = app.test_client(), provider.session()
    back = provider.walk(browser, start(desk), "sub-0001")
    desk.get(back.removeprefix(oidc_provider.PUBLIC_URL))
    token = _TOKEN.search(desk.get("/settings").get_data(as_text=True)).group(1)
    out = desk.post("/logout", data={"csrf_token": token})
    assert out.status_code == 302 and out.location.startswith(provider.issuer)
    assert "id_token_hint=" in out.location
    assert not signed_in(desk)
    # The provider asks whether to end its own session too; yes.
    ask = browser.get(out.location, timeout=10)
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', ask.text))
    action = re.search(r'action="([^"]+)"', ask.text).group(1)
    done = browser.post(
        urljoin(ask.url, action), data={**form, "logout": "yes"}, allow_redirects=False
    )
    assert done.headers["Location"].startswith(oidc_provider.PUBLIC_URL + "/login")
    # Signing in again takes the provider's sign-in form, not a silent way back.
    assert "/interaction/" in first_stop(browser, start(app.test_client()), provider)


def test_without_signing_out_the_provider_sends_the_browser_straight_back(app, provider):
    browser = provider.session()
    provider.walk(browser, start(app.test_client()), "sub-0001")
    assert first_stop(browser, start(app.test_client()), provider) == "back at the desk"


def first_stop(browser, url, provider) -> str:
    """Where the provider's redirects lead: its sign-in form, or back to the desk."""
    while url.startswith(provider.issuer) and "/interaction/" not in url:
        url = urljoin(url, browser.get(url, allow_redirects=False, timeout=10).headers["Location"])
    return url if "/interaction/" in url else "back at the desk"


def test_with_local_passwords_off_only_the_provider_signs_in(make_app, svc, provider):
    provider.set_accounts(ACCOUNTS)
    app = make_app(local_passwords=False)
    svc = app.extensions["incident_desk"]
    users.add_user(svc, "lena", groups=["L1"])
    sign_in.set_password(svc, "lena", PASSWORD)
    desk = app.test_client()
    page = desk.get("/login").get_data(as_text=True)
    assert "Sign in with Example ID" in page and 'name="password"' not in page
    # As a client that got past the CSRF check somehow: the password is still not taken.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    answer = desk.post("/login", data={"username": "lena", "password": PASSWORD})
    assert answer.status_code == 403 and not signed_in(desk)
    assert "Passwords are not used on this desk" in answer.get_data(as_text=True)
    with pytest.raises(Unauthenticated):
        sign_in.check_password(svc, "lena", PASSWORD)
    assert sso(desk, provider, "sub-0001").status_code == 302 and signed_in(desk)


def test_a_session_made_through_the_provider_ends_when_the_desk_stops_using_it(
    app, make_app, database_url, provider
):
    desk = app.test_client()
    sso(desk, provider, "sub-0001")
    cookie = desk.get_cookie("incident_desk_session").value
    # Another process of the same desk takes the cookie...
    same = make_app().test_client()
    same.set_cookie("incident_desk_session", cookie)
    assert same.get("/settings").status_code == 200
    # ... but not once single sign-on is off.
    without = create_app(settings_for(database_url, public_url=oidc_provider.PUBLIC_URL))
    try:
        later = without.test_client()
        later.set_cookie("incident_desk_session", cookie)
        answer = later.get("/settings")
        assert answer.status_code == 302 and "/login" in answer.location
    finally:
        without.extensions["incident_desk"].close()


def test_a_user_disabled_at_the_desk_is_not_let_in_by_the_provider(app, svc, provider):
    from service.services.people import accounts

    desk = app.test_client()
    assert sso(desk, provider, "sub-0001").status_code == 302 and signed_in(desk)
    with svc.db.read() as uow:
        from service.models import User

        anna = uow.session.query(User).filter_by(username="anna").one().id
    accounts.disable(svc, None, "anna")
    # The session made through the provider ends at once ...
    assert not signed_in(desk)
    # ... and the provider vouching for her again does not bring her back.
    again = sso(app.test_client(), provider, "sub-0001")
    assert again.status_code == 403
    assert "disabled" in again.get_data(as_text=True)
    with svc.db.read() as uow:
        assert uow.session.get(User, anna).disabled_at is not None
