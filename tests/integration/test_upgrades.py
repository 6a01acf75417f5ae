"""Upgrades: a database made by the first migration, with data in it as that schema
held it, migrates through every migration to head and the desk goes on with it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from service import create_app
from service.db import Database
from service.services import deployments
from service.services.users import hash_token
from tests.conftest import START, Clients, settings_for
from tests.helpers import TRIAGE, complete, get_incident, open_incident

TOKENS = {"rita": "idk_rita-from-the-first-release", "alice": "idk_alice-from-the-first-release"}
OPENED = START - timedelta(days=30)


def _first_release_rows(connection) -> None:
    """What revision 0001 stored: two users, their tokens, a closed incident, its trail."""
    at = {"at": OPENED}
    connection.execute(
        text(
            "INSERT INTO users (username, display_name, contact, created_at) VALUES "
            "('rita', 'Rita Reporter', 'rita@example.org', :at), "
            "('alice', 'Alice L1', 'alice@desk.example.org', :at)"
        ),
        at,
    )
    ids = dict(connection.execute(text("SELECT username, id FROM users")).all())
    connection.execute(
        text("INSERT INTO user_groups (user_id, \"group\") VALUES (:alice, 'L1')"), ids
    )
    for name, user_id in ids.items():
        connection.execute(
            text(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at) "
                "VALUES (:user_id, :hash, 'first release', :at)"
            ),
            {"user_id": user_id, "hash": hash_token(TOKENS[name]), **at},
        )
    connection.execute(
        text(
            "INSERT INTO incidents (number, title, description, reporter_id, opened_by_id, "
            "reporter_name, reporter_contact, reported_at, channel, kind, category, impact, "
            "urgency, priority, status, tier, first_response_target, resolution_target, "
            "first_response_at, resolved_at, closed_at, closure_code, resolution, reopen_count, "
            "created_at, updated_at) VALUES ('INC-000001', 'VPN drops every hour', "
            "'Since Monday', :rita, :rita, 'Rita Reporter', 'rita@example.org', :at, 'api', "
            "'incident', 'network', 'medium', 'medium', 'P3', 'closed', 'L1', 'PT3H', 'PT24H', "
            ":at, :at, :at, 'confirmed_by_reporter', 'New VPN profile', 0, :at, :at)"
        ),
        {**at, **ids},
    )
    connection.execute(
        text(
            "INSERT INTO audit_events (at, incident_id, actor_id, actor, type, data) "
            "SELECT :at, id, reporter_id, 'rita', 'incident.opened', '{}' FROM incidents"
        ),
        at,
    )


def test_a_first_release_database_upgrades_to_head_and_the_desk_goes_on(empty_database_url, clock):
    database = Database(empty_database_url)
    try:
        database.upgrade("0001")
        with database.engine.begin() as connection:
            _first_release_rows(connection)
        database.upgrade("head")
        assert database.current_revision() == _head()
    finally:
        database.dispose()

    app = create_app(settings_for(empty_database_url), clock=clock)
    svc = app.extensions["incident_desk"]
    try:
        deployments.deploy_paths(
            svc, [svc.settings.processes_dir, svc.settings.forms_dir], actor="tests"
        )
        api = Clients(app, TOKENS)  # the tokens of the first release still sign in
        old = get_incident(api.alice, "INC-000001")
        assert (old["title"], old["status"], old["priority"]) == (
            "VPN drops every hour",
            "closed",
            "P3",
        )
        assert old["closure_code"] == "confirmed_by_reporter"
        assert get_incident(api.rita, "INC-000001")["resolution"] == "New VPN profile"
        trail = api.alice.get("/api/incidents/INC-000001/events").json
        assert [e["type"] for e in trail] == ["incident.opened"]

        new = open_incident(api.rita, title="Printer offline")
        assert new["number"] == "INC-000002"
        triaged = complete(api.alice, new, "triage", TRIAGE)
        assert triaged["status"] == "in_progress" and triaged["priority"] == "P3"
    finally:
        svc.close()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from service import db

    config = Config()
    config.set_main_option("script_location", str(db._MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()
