"""The 72-hour deadline of a breach: a warning at 48 h and an escalation at 72 h after
awareness, fired by the timer worker on the test's clock. Nothing sleeps."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service.worker import TimerWorker
from tests.breaches import (
    NOTICE,
    complete_step,
    flag,
    get_breach,
    people_and_dpo,  # noqa: F401 (a fixture)
)
from tests.conftest import START
from tests.helpers import open_incident

RISK = {"risk": "risk", "risk_rationale": "Names and addresses"}


@pytest.fixture
def api(people_and_dpo):  # noqa: F811
    return people_and_dpo


def run_timers(svc) -> None:
    """Fire whatever is due (the incident's own SLA timers too: count by what they say)."""
    TimerWorker(svc, name="breach-worker").run_once()


def waiting(api, breach) -> list[str]:
    timers = api.adam.get("/api/admin/timers").json
    return sorted(t["element_id"] for t in timers if t["instance_id"] == breach["instance_id"])


def notes(client, event):
    return [n for n in client.get("/api/notifications").json if n["event"] == event]


def at(**delta):
    return START + timedelta(**delta)


def test_the_officer_is_warned_at_48_hours_and_management_told_at_72(api, svc, clock):
    breach = flag(api.alice, open_incident(api.rita)["number"], START)

    assert waiting(api, breach) == ["assess_deadline_timer", "assess_warning_timer"]
    clock.set(at(hours=47, minutes=59, seconds=59))
    run_timers(svc)
    assert notes(api.dora, "breach.deadline_warning") == []
    clock.set(at(hours=48, seconds=1))
    run_timers(svc)
    assert waiting(api, breach) == ["assess_deadline_timer"]
    [warning] = notes(api.dora, "breach.deadline_warning")
    assert warning["recipient"] == "dora"  # the group's lead
    assert warning["data"]["breach"] == breach["number"]
    assert warning["data"]["due_at"] == at(hours=48).isoformat()
    assert notes(api.pia, "breach.deadline_warning") == []
    assert notes(api.max, "breach.deadline_missed") == []
    now = get_breach(api.dora, breach["number"])
    assert now["authority"]["warned_at"] == at(hours=48, seconds=1).isoformat()
    assert now["authority"]["state"] == "pending"

    # Assessed after the warning: the notice step arms the same, passed, warning
    # time again; it fires at once and warns nobody a second time.
    clock.set(at(hours=50))
    complete_step(api.dora, now, "assess_risk", RISK)
    run_timers(svc)
    assert waiting(api, breach) == ["notice_deadline_timer"]
    assert len(notes(api.dora, "breach.deadline_warning")) == 1

    clock.set(at(hours=71, minutes=59))
    run_timers(svc)
    assert notes(api.max, "breach.deadline_missed") == []
    clock.set(at(hours=72, seconds=1))
    run_timers(svc)
    assert waiting(api, breach) == []
    [escalation] = notes(api.max, "breach.deadline_missed")
    assert escalation["recipient"] == "max"
    assert escalation["data"]["due_at"] == at(hours=72).isoformat()
    late = get_breach(api.dora, breach["number"])
    assert late["authority"]["state"] == "overdue"
    assert late["authority"]["escalated_at"] == at(hours=72, seconds=1).isoformat()
    assert late["authority"]["remaining_seconds"] == -1
    events = api.alice.get(f"/api/incidents/{breach['incident_number']}/events").json
    missed = [e for e in events if e["type"] == "breach.deadline_missed"]
    assert [(e["actor"], e["data"]["group"]) for e in missed] == [("system", "management")]
    overdue = api.dora.get("/api/breaches?authority=overdue").json
    assert [b["number"] for b in overdue] == [breach["number"]]


def test_nothing_fires_once_the_authority_is_notified(api, svc, clock):
    breach = flag(api.alice, open_incident(api.rita)["number"], START)
    breach = complete_step(api.dora, breach, "assess_risk", RISK)
    clock.set(at(hours=10))
    complete_step(
        api.dora,
        breach,
        "notify_authority",
        NOTICE | {"authority_notified_at": at(hours=9).isoformat()},
    )
    assert waiting(api, breach) == []
    clock.set(at(hours=80))
    run_timers(svc)
    assert notes(api.dora, "breach.deadline_warning") == []
    assert notes(api.max, "breach.deadline_missed") == []
    assert get_breach(api.dora, breach["number"])["authority"]["escalated_at"] is None


def test_nothing_fires_when_there_is_no_risk(api, svc, clock):
    breach = flag(api.alice, open_incident(api.rita)["number"], START)
    breach = complete_step(
        api.dora,
        breach,
        "assess_risk",
        {"risk": "none", "risk_rationale": "Encrypted", "no_notice_reason": "Key safe"},
    )
    assert waiting(api, breach) == []
    clock.set(at(hours=80))
    run_timers(svc)
    assert notes(api.max, "breach.deadline_missed") == []
    assert get_breach(api.dora, breach["number"])["authority"]["state"] == "not_required"


def test_awareness_long_ago_escalates_at_once_without_a_stale_warning(api, svc, clock):
    breach = flag(api.alice, open_incident(api.rita)["number"], at(hours=-80))

    assert breach["authority"]["state"] == "overdue"
    assert breach["authority"]["escalated_at"] == START.isoformat()
    assert breach["authority"]["warned_at"] is None
    [escalation] = notes(api.max, "breach.deadline_missed")
    assert escalation["data"]["late_seconds"] == 8 * 3600
    assert notes(api.dora, "breach.deadline_warning") == []
    assert waiting(api, breach) == []

    # The notice step arms both timers again, already due: still one escalation.
    breach = complete_step(api.dora, breach, "assess_risk", RISK)
    run_timers(svc)
    assert waiting(api, breach) == []
    assert len(notes(api.max, "breach.deadline_missed")) == 1
    assert notes(api.dora, "breach.deadline_warning") == []
