"""What an operator sees: /metrics moving as an incident's life runs, /ready and its reasons,
the workers' heartbeats, and the request id every answer carries."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from service import create_app, logs
from service.services.operations import heartbeats
from service.worker import DeliveryWorker, TimerWorker, with_heartbeat
from tests.conftest import START, settings_for
from tests.helpers import TRIAGE, complete, open_incident
from tests.notify_servers import free_port

TOKEN = "scrape-me-0123456789"
FIRST_RESPONSE_DUE = START + timedelta(hours=3)  # an untriaged medium incident


@pytest.fixture
def settings(settings):
    # Mail to a port nobody listens on, one attempt: the delivery goes dead at once.
    return settings.with_overrides(
        metrics_token=TOKEN,
        smtp_host="127.0.0.1",
        smtp_port=free_port(),
        delivery_max_attempts=1,
    )


def scrape(api) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics as {(name, sorted labels): value}."""
    answer = api.anonymous.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.data
    assert answer.content_type.startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.get_data(as_text=True))
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_move_as_an_incident_lives(api, svc, clock):
    before = scrape(api)
    incident = open_incident(api.rita, title="Printer on fire")
    number = incident["number"]
    assert api.alice.get(f"/api/incidents/{number}").status_code == 200
    assert api.alice.get("/api/incidents/INC-999999").status_code == 404

    after = scrape(api)
    route = "/api/incidents/<string:number>"
    counted = value(
        after, "incident_desk_http_requests_total", route=route, method="GET", status="200"
    )
    assert (
        counted
        == value(
            before, "incident_desk_http_requests_total", route=route, method="GET", status="200"
        )
        + 1
    )
    assert value(
        after, "incident_desk_http_requests_total", route=route, method="GET", status="404"
    )
    # The route is the URL rule: no path with a number in it becomes a label.
    assert not [key for key in after if "INC-" in str(key)]
    assert value(
        after,
        "incident_desk_http_request_duration_seconds_count",
        route=route,
        method="GET",
        status="200",
    )
    assert value(after, "incident_desk_open_incidents", status="new", priority="P3", tier="L1") == 1
    assert value(after, "incident_desk_timers", state="waiting") >= 1
    assert value(after, "incident_desk_db_connections_in_use") >= 0
    assert value(after, "incident_desk_db_pool_capacity") > 0

    # The reporter's confirmation mail cannot be sent: one try, then dead.
    assert DeliveryWorker(svc, name="metrics-sender").run_once() == 0
    dead = scrape(api)
    assert value(dead, "incident_desk_deliveries", channel="email", state="dead") == 1

    # Ninety seconds past the first-response deadline and not fired: overdue.
    clock.set(FIRST_RESPONSE_DUE + timedelta(seconds=90))
    late = scrape(api)
    assert value(late, "incident_desk_timers", state="overdue") == 1
    assert TimerWorker(svc, name="metrics-timers").run_once() == 1
    fired = scrape(api)
    lateness = "incident_desk_timer_firing_lateness_seconds"
    assert value(fired, f"{lateness}_count") == value(before, f"{lateness}_count") + 1
    assert value(fired, f"{lateness}_sum") - value(before, f"{lateness}_sum") == pytest.approx(90)
    assert value(fired, f"{lateness}_bucket", le="60.0") == value(
        before, f"{lateness}_bucket", le="60.0"
    )
    assert (
        value(fired, "incident_desk_sla_breaches_total", clock="first_response")
        == value(before, "incident_desk_sla_breaches_total", clock="first_response") + 1
    )
    assert value(fired, "incident_desk_timers", state="overdue") == 0

    complete(api.alice, incident, "triage", TRIAGE)
    triaged = scrape(api)
    assert (
        value(triaged, "incident_desk_open_incidents", status="new", priority="P3", tier="L1") == 0
    )
    assert (
        value(
            triaged, "incident_desk_open_incidents", status="in_progress", priority="P3", tier="L1"
        )
        == 1
    )


def test_metrics_need_the_token_and_are_not_there_without_one(api, database_url, clock):
    assert api.anonymous.get("/metrics").status_code == 401
    wrong = api.anonymous.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
    # A user's token is not the scraper's.
    assert api.adam.get("/metrics").status_code == 401

    plain = create_app(settings_for(database_url), clock=clock)
    try:
        assert plain.test_client().get("/metrics").status_code == 404
    finally:
        plain.extensions["incident_desk"].close()


def test_ready_says_what_is_missing(api, svc, clock):
    missing = api.anonymous.get("/ready")
    assert missing.status_code == 503
    assert missing.json["worker"] == "missing" and missing.json["database"] == "ok"
    assert missing.json["migrations"] == "current"
    assert "no worker" in missing.json["problems"][0]

    [beating] = [loop for loop in with_heartbeat(svc, []) if loop.what == "heartbeat"]
    beating.run_once()
    ready = api.anonymous.get("/ready")
    assert ready.status_code == 200, ready.json
    assert ready.json == {
        "status": "ready",
        "database": "ok",
        "migrations": "current",
        "worker": "ok",
        "problems": [],
    }

    clock.advance(seconds=svc.settings.ready_heartbeat_seconds + 1)
    silent = api.anonymous.get("/ready")
    assert silent.status_code == 503 and silent.json["worker"] == "silent"
    assert "no worker heartbeat for 121 s" in silent.json["problems"][0]


def test_ready_notices_migrations_behind(api, svc):
    heartbeats.beat(svc, "w1", ["timers"], svc.now())
    head = svc.db.head_revision()
    svc.db.downgrade("-1")
    try:
        behind = api.anonymous.get("/ready")
        assert behind.status_code == 503
        assert behind.json["migrations"] == "behind"
        at = svc.db.current_revision()
        assert f"at migration {at}, the code at {head}" in behind.json["problems"][0]
    finally:
        svc.db.upgrade()


def test_ready_notices_an_unreachable_database(clock):
    down = create_app(
        settings_for(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none"), clock=clock
    )
    try:
        answer = down.test_client().get("/ready")
        assert answer.status_code == 503
        assert answer.json["database"] == "unreachable"
        assert answer.json["problems"] == ["the database cannot be reached"]
    finally:
        down.extensions["incident_desk"].close()


def test_admins_see_the_workers(api, svc, clock):
    heartbeats.beat(svc, "host:1:aaaa", ["timers", "deliveries"], svc.now())
    clock.advance(seconds=10)
    heartbeats.beat(svc, "host:1:aaaa", ["timers", "deliveries"], START)
    [worker] = api.adam.get("/api/admin/workers").json
    assert worker["name"] == "host:1:aaaa" and worker["loops"] == ["timers", "deliveries"]
    assert worker["beats"] == 2
    assert worker["beat_at"].startswith((START + timedelta(seconds=10)).isoformat()[:19])
    assert api.alice.get("/api/admin/workers").status_code == 403
    assert api.anonymous.get("/api/admin/workers").status_code == 401


def test_every_answer_carries_a_request_id(api):
    given = api.alice.get("/api/me", headers={"X-Request-Id": "proxy-1234-abcd"})
    assert given.headers["X-Request-Id"] == "proxy-1234-abcd"
    made = api.alice.get("/api/me").headers["X-Request-Id"]
    assert len(made) == 32 and made != api.alice.get("/api/me").headers["X-Request-Id"]
    for hostile in ("short", "x" * 65, "a b c d e f g h", "<script>alert(1)</script>"):
        replaced = api.alice.get("/api/me", headers={"X-Request-Id": hostile})
        assert replaced.headers["X-Request-Id"] != hostile
    assert api.anonymous.get("/health").headers["X-Request-Id"]


def test_the_worker_names_the_request_that_caused_its_work(api, svc, clock, caplog):
    caplog.handler.addFilter(logs.WithContext())
    given = {"X-Request-Id": "req-from-proxy-42"}
    answer = api.rita.post(
        "/api/incidents", json={"title": "Mail is down", "description": "x"}, headers=given
    )
    number = answer.json["number"]
    clock.set(FIRST_RESPONSE_DUE + timedelta(seconds=1))
    with caplog.at_level(logging.DEBUG, logger="service.worker"):
        DeliveryWorker(svc, name="carry-sender").run_once()
        TimerWorker(svc, name="carry-timers").run_once()
    done = [r for r in caplog.records if r.name == "service.worker" and " done" in r.message]
    assert {r.message.split()[0] for r in done} == {"deliveries", "timers"}
    assert {(r.request_id, r.incident) for r in done} == {("req-from-proxy-42", number)}
