"""The SLA report: the promises of the source document, measured over a period."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from tests.conftest import START
from tests.helpers import RESOLVED, TRIAGE, complete, open_incident

PERIOD = {"from": START.isoformat(), "to": (START + timedelta(days=7)).isoformat()}


def resolved_after(api, clock, hours_to_triage, hours_to_resolve, triage=TRIAGE):
    incident = open_incident(api.rita)
    clock.advance(hours=hours_to_triage)
    incident = complete(api.alice, incident, "triage", triage)
    clock.advance(hours=hours_to_resolve)
    return complete(api.alice, incident, "l1_diagnose", RESOLVED)


def test_first_responses_and_times_to_resolve_by_priority(api, clock):
    resolved_after(api, clock, 1, 2)  # P3: answered in 1 h (3 h target), resolved after 3 h
    clock.set(START + timedelta(days=1))
    # P4 (48 h to resolve): answered after 4 h (3 h was the target), resolved after 34 h.
    resolved_after(api, clock, 4, 30, TRIAGE | {"impact": "low", "urgency": "low"})
    clock.set(START + timedelta(days=3))
    open_incident(api.rita)  # not answered yet, not due yet: not counted

    report = api.lara.get("/api/reports/sla", query_string=PERIOD)
    assert report.status_code == 200, report.json
    overall = report.json["overall"]
    assert overall["reported"] == 3
    assert (overall["first_response_met"], overall["first_response_due"]) == (1, 2)
    assert overall["first_response_share"] == 0.5
    assert overall["resolved"] == 2
    assert overall["resolved_within_24h"] == 1
    assert overall["mean_hours_to_resolve"] == 18.5
    assert overall["median_hours_to_resolve"] == 18.5
    assert overall["resolved_within_target"] == 2
    by_priority = {f["group"]: f for f in report.json["by_priority"]}
    assert (by_priority["P3"]["resolved"], by_priority["P3"]["median_hours_to_resolve"]) == (1, 3.0)
    assert (by_priority["P4"]["within_24h_share"], by_priority["P4"]["within_target_share"]) == (
        0.0,
        1.0,
    )
    p1 = next(f for f in report.json["by_priority"] if f["group"] == "P1")
    assert p1["resolved"] == 0 and p1["median_hours_to_resolve"] is None
    assert report.json["open_now"]["by_status"] == {"new": 1}


def test_the_report_is_for_leads_and_admins(api):
    assert api.adam.get("/api/reports/sla").status_code == 200
    for person in (api.alice, api.rita, api.olga):
        assert person.get("/api/reports/sla").status_code == 403
    backwards = api.lara.get(
        "/api/reports/sla", query_string={"from": PERIOD["to"], "to": PERIOD["from"]}
    )
    assert backwards.status_code == 422
    assert backwards.json["errors"][0]["field"] == "to"


def test_the_same_figures_as_csv(api, clock):
    resolved_after(api, clock, 1, 2)
    answer = api.lara.get("/api/reports/sla.csv", query_string=PERIOD)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["group"] for r in rows] == ["all", "P1", "P2", "P3", "P4", "L1", "L2", "L3"]
    assert rows[0]["resolved"] == "1" and rows[0]["median_hours_to_resolve"] == "3.0"
    assert rows[1]["median_hours_to_resolve"] == ""
