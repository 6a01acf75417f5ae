"""Guessing is throttled: sign-ins per account and address, unknown tokens per address.

The counts are in the database: a second application on the same database
(another worker process) sees them. Time is the test's clock.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from service import create_app
from service.domain import throttle as rules
from service.services import sign_in
from tests.conftest import START
from tests.web.test_pages import PASSWORD, Browser


@pytest.fixture
def passwords(svc, people):
    for name in ("alice", "bob", "rita"):
        sign_in.set_password(svc, name, PASSWORD)


def sign_in_as(app, username, password, address="203.0.113.7"):
    browser = Browser(app)
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser.sign_in(username, password)


def test_wrong_passwords_make_the_account_wait_even_for_the_right_one(app, passwords, clock):
    for attempt in range(1, rules.ACCOUNT.limit):
        assert sign_in_as(app, "alice", "wrong password!").status_code == 401, attempt
    throttled = sign_in_as(app, "alice", "wrong password!")
    assert throttled.status_code == 429
    assert throttled.headers["Retry-After"] == "30"
    assert "too many failed sign-ins" in throttled.get_data(as_text=True)
    # Even the right password waits, and from another address too.
    right = sign_in_as(app, "alice", PASSWORD, address="198.51.100.9")
    assert right.status_code == 429
    # Others are not affected.
    assert sign_in_as(app, "bob", PASSWORD).status_code == 302

    clock.advance(seconds=31)
    assert sign_in_as(app, "alice", PASSWORD).status_code == 302
    # A success starts the account's count again.
    assert sign_in_as(app, "alice", "wrong password!").status_code == 401


def test_each_further_failure_doubles_the_wait_up_to_a_ceiling():
    count = None
    waits = []
    now = START
    for _ in range(rules.ACCOUNT.limit + 8):
        count = rules.after_failure(count, now, rules.ACCOUNT)
        waits.append(rules.retry_after(count, now))
    assert waits[: rules.ACCOUNT.limit - 1] == [None] * (rules.ACCOUNT.limit - 1)
    assert waits[rules.ACCOUNT.limit - 1 :] == [30, 60, 120, 240, 480, 900, 900, 900, 900]
    later = START + timedelta(minutes=16)  # the window passed, no wait left: counting anew
    assert rules.after_failure(count, later, rules.ACCOUNT).failures == 1


def test_one_address_guessing_many_accounts_waits(app, passwords, people):
    names = list(people)
    for attempt in range(rules.ADDRESS.limit - 1):
        answer = sign_in_as(app, names[attempt % len(names)], "wrong password!")
        assert answer.status_code == 401, attempt
    assert sign_in_as(app, "bob", "wrong password!").status_code == 429
    assert sign_in_as(app, "rita", PASSWORD).status_code == 429  # from that address
    assert sign_in_as(app, "rita", PASSWORD, address="198.51.100.9").status_code == 302


def test_another_worker_process_sees_the_same_counts(app, settings, clock, passwords):
    other = create_app(settings, clock=clock)
    try:
        for _ in range(rules.ACCOUNT.limit - 1):
            assert sign_in_as(other, "alice", "wrong password!").status_code == 401
        assert sign_in_as(app, "alice", "wrong password!").status_code == 429
        assert sign_in_as(other, "alice", PASSWORD).status_code == 429
    finally:
        other.extensions["incident_desk"].close()


def test_guessing_tokens_waits_but_known_tokens_keep_working(app, api):
    client = app.test_client()
    guesser = {"REMOTE_ADDR": "203.0.113.7"}
    for attempt in range(rules.TOKEN_ADDRESS.limit - 1):
        answer = client.get(
            "/api/me", headers={"Authorization": f"Bearer idk_guess{attempt}"}, environ_base=guesser
        )
        assert answer.status_code == 401, attempt
    throttled = client.get(
        "/api/me", headers={"Authorization": "Bearer idk_guess"}, environ_base=guesser
    )
    assert throttled.status_code == 429
    assert throttled.json["error"] == "too_many_attempts"
    assert int(throttled.headers["Retry-After"]) == 60
    known = client.get(
        "/api/me", headers={"Authorization": f"Bearer {api.tokens['alice']}"}, environ_base=guesser
    )
    assert known.status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(settings, clock, people, svc):
    behind = create_app(settings.with_overrides(proxy_hops=1), clock=clock)
    try:
        client = behind.test_client()
        for _ in range(rules.TOKEN_ADDRESS.limit):
            client.get(
                "/api/me",
                headers={"Authorization": "Bearer idk_x", "X-Forwarded-For": "203.0.113.7"},
            )
        assert (
            client.get(
                "/api/me",
                headers={"Authorization": "Bearer idk_x", "X-Forwarded-For": "203.0.113.7"},
            ).status_code
            == 429
        )
        # Another client behind the same proxy is not held up.
        other = client.get(
            "/api/me", headers={"Authorization": "Bearer idk_x", "X-Forwarded-For": "203.0.113.8"}
        )
        assert other.status_code == 401
    finally:
        behind.extensions["incident_desk"].close()
