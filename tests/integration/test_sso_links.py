"""An administrator joins an existing account to its person at the provider (the move
from passwords to single sign-on), and parts them; sign-in then finds the account."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from service.cli import main
from service.domain.errors import Conflict
from service.services.sso import identities, links

ISSUER = "https://id.example.org"


@pytest.fixture
def settings(settings):
    return settings.with_overrides(
        oidc_issuer=ISSUER, oidc_client_id="desk", oidc_group_map="desk-l2=L2"
    )


def claims(subject, username="alice.at.provider", groups=()):
    return {"sub": subject, "preferred_username": username, "groups": list(groups)}


def test_a_linked_subject_signs_in_as_the_existing_account_with_its_groups(people, svc):
    # Unlinked, the provider's person with a taken name is refused, not joined.
    with pytest.raises(Conflict):
        identities.sign_in(svc, claims("sub-1", username="alice"))

    links.link(svc, "alice", "sub-1")

    principal = identities.sign_in(svc, claims("sub-1", username="alice", groups=["desk-l2"]))
    assert principal.username == "alice"
    assert {"L1", "L2"} <= set(principal.groups)


def test_one_subject_one_account_and_unlinking_ends_it(people, svc):
    links.link(svc, "alice", "sub-1")
    assert links.link(svc, "alice", "sub-1").username == "alice"  # again: nothing changes
    with pytest.raises(Conflict, match="another user"):
        links.link(svc, "bob", "sub-1")
    with pytest.raises(Conflict, match="already linked"):
        links.link(svc, "alice", "sub-2")

    links.unlink(svc, "alice")

    # The subject now names nobody: a first sign-in would make a user, whose name is taken.
    with pytest.raises(Conflict, match="already used"):
        identities.sign_in(svc, claims("sub-1", username="alice"))


def test_the_console_links_and_unlinks_with_clear_refusals(people, database_url, monkeypatch):
    monkeypatch.setenv("INCIDENT_DESK_DATABASE_URL", database_url)

    def run(*args):
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    linked = run("user", "sso-link", "alice", "sub-9", "--issuer", ISSUER)
    assert linked.exit_code == 0, linked.output
    assert f"alice signs in as sub-9 at {ISSUER}" in linked.output
    taken = run("user", "sso-link", "bob", "sub-9", "--issuer", ISSUER)
    assert taken.exit_code == 1 and "another user" in taken.output
    # No provider configured in the console's environment and none given: said so.
    bare = run("user", "sso-link", "bob", "sub-10")
    assert bare.exit_code == 1 and "INCIDENT_DESK_OIDC_ISSUER" in bare.output
    assert run("user", "sso-unlink", "alice", "--issuer", ISSUER).exit_code == 0
    again = run("user", "sso-unlink", "alice", "--issuer", ISSUER)
    assert again.exit_code == 1 and "not linked" in again.output
