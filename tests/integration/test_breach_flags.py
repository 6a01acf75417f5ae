"""An incident becomes one breach, however many agents flag it at once."""

from __future__ import annotations

from tests.conftest import START
from tests.helpers import get_incident, open_incident
from tests.integration.test_concurrency import race


def test_of_concurrent_flags_of_one_incident_exactly_one_starts_a_breach(api):
    incident = open_incident(api.rita)
    body = {"aware_at": START.isoformat(), "summary": "Payroll file on a public share"}
    clients = [api.alice, api.lena, api.bob, api.carol] * 2
    responses = race(
        [
            lambda client=client: client.post(
                f"/api/incidents/{incident['number']}/breach", json=body
            )
            for client in clients
        ]
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7, [
        r.json for r in responses
    ]
    [breach] = api.alice.get("/api/breaches").json
    seen = get_incident(api.alice, incident["number"])
    assert seen["breach"] == breach["number"]
    assert [i["process_id"] for i in seen["linked_instances"]] == ["data_breach"]
    events = api.alice.get(f"/api/incidents/{incident['number']}/events").json
    assert [e["type"] for e in events].count("breach.flagged") == 1
