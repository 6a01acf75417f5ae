"""What the desk reads from a provider's claims, and the single sign-on settings."""

from __future__ import annotations

import pytest

from service.config import Settings
from service.domain.errors import Unauthenticated
from service.services.sso.claims import mapped_groups, person

MAP = {"it-l1": "L1", "it-l2": "L2", "desk-admins": "admin"}


def read(claims, **options):
    return person(
        claims,
        username_claim=options.get("username_claim", "preferred_username"),
        groups_claim="groups",
        group_map=MAP,
    )


def test_groups_are_mapped_and_the_rest_ignored():
    assert mapped_groups(["it-l1", "desk-admins", "staff", 7, None], MAP) == {"L1", "admin"}
    assert mapped_groups("it-l2", MAP) == {"L2"}  # some providers send one name
    assert mapped_groups(None, MAP) == frozenset()
    assert mapped_groups({"it-l1": True}, MAP) == frozenset()


def test_the_name_comes_from_the_claim_else_the_email():
    assert read({"sub": "1", "preferred_username": "Anna"}).username == "anna"
    someone = read({"sub": "2", "email": "Rhea@Example.org"})
    assert (someone.username, someone.email) == ("rhea@example.org", "Rhea@Example.org")
    assert read({"sub": "3", "upn": "zoe"}, username_claim="upn").username == "zoe"


def test_an_unverified_email_is_neither_contact_nor_name():
    someone = read(
        {"sub": "1", "preferred_username": "x", "email": "x@e.org", "email_verified": False}
    )
    assert someone.email is None
    with pytest.raises(Unauthenticated):
        read({"sub": "2", "email": "x@e.org", "email_verified": False})


@pytest.mark.parametrize(
    "claims",
    [
        {"preferred_username": "anna"},
        {"sub": "", "preferred_username": "anna"},
        {"sub": "1"},
        {"sub": "1", "preferred_username": "anna smith"},
        {"sub": "x" * 256, "preferred_username": "anna"},
    ],
)
def test_claims_that_name_nobody_usable_are_refused(claims):
    with pytest.raises(Unauthenticated):
        read(claims)


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"oidc_issuer": "http://id.example.org"}, "https://"),
        ({"oidc_client_id": ""}, "OIDC_CLIENT_ID"),
        ({"oidc_scopes": "email profile"}, "openid"),
        ({"oidc_group_map": "it-l1=L9"}, "OIDC_GROUP_MAP"),
        ({"oidc_group_map": "it-l1"}, "OIDC_GROUP_MAP"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start(overrides, complaint):
    values = {"oidc_issuer": "https://id.example.org", "oidc_client_id": "desk", **overrides}
    with pytest.raises(ValueError, match=complaint):
        Settings(**values)


def test_the_group_map_is_read_from_the_environment():
    settings = Settings.from_env(
        {
            "INCIDENT_DESK_OIDC_ISSUER": "https://id.example.org",
            "INCIDENT_DESK_OIDC_CLIENT_ID": "desk",
            "INCIDENT_DESK_OIDC_GROUP_MAP": " it-l1 = L1 ,desk-admins=admin,",
            "INCIDENT_DESK_LOCAL_PASSWORDS": "false",
        }
    )
    assert settings.oidc_groups == {"it-l1": "L1", "desk-admins": "admin"}
    assert settings.local_passwords is False
    assert "oidc_client_secret" not in repr(settings)
