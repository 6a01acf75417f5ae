"""A burst of the same alert from concurrent requests makes exactly one incident,
on SQLite and on PostgreSQL, and every alert is counted."""

from __future__ import annotations

from sqlalchemy import func, select

from service.models import AlertGroup, Incident
from tests.integration.test_concurrency import CONCURRENCY, race

ALERT = {
    "source": "zabbix",
    "check": "http_probe",
    "resource": "https://mail.example.org",
    "severity": "critical",
    "summary": "Webmail answers 502",
}


def _post(client, alert):
    return lambda: client.post("/api/alerts", json=alert)


def test_a_burst_of_a_new_key_opens_one_incident_and_counts_every_alert(api, svc):
    responses = race([_post(api.ivan, ALERT) for _ in range(CONCURRENCY)])

    assert sorted(r.status_code for r in responses) == [200] * (CONCURRENCY - 1) + [201], [
        r.json for r in responses
    ]
    assert {r.json["outcome"] for r in responses if r.status_code == 200} == {"attached"}
    assert len({r.json["incident_number"] for r in responses}) == 1
    assert sorted(r.json["count"] for r in responses) == list(range(1, CONCURRENCY + 1))
    with svc.db.read() as uow:
        session = uow.session
        assert session.scalar(select(func.count()).select_from(Incident)) == 1
        [group] = session.scalars(select(AlertGroup)).all()
        assert (group.count, group.open) == (CONCURRENCY, True)


def test_bursts_of_several_keys_open_one_incident_each(api, svc):
    keys = ["a", "b"]
    responses = race(
        [_post(api.ivan, ALERT | {"dedup_key": key}) for key in keys * (CONCURRENCY // 2)]
    )

    assert sorted(r.status_code for r in responses).count(201) == len(keys)
    with svc.db.read() as uow:
        session = uow.session
        assert session.scalar(select(func.count()).select_from(Incident)) == len(keys)
        counts = dict(session.execute(select(AlertGroup.dedup_key, AlertGroup.count)).all())
        assert counts == dict.fromkeys(keys, CONCURRENCY // 2)
