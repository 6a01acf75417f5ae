"""People and steps of the personal-data breach process, for the breach tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.conftest import Clients, with_more_people

# name -> (groups, lead of)
BREACH_PEOPLE = {
    "dora": (("privacy",), ("privacy",)),  # the data protection officer
    "pia": (("privacy",), ()),
    "max": (("management",), ("management",)),
}

CONTAIN = {"containment_measures": "Revoked the leaked API key", "contained": True}
NOTICE = {
    "nature": "A CRM export was sent to the wrong customer",
    "subject_categories": ["customers"],
    "subjects_approx": 1200,
    "record_categories": ["contact details", "order history"],
    "records_approx": 1500,
    "dpo_contact": "Dora DPO, dpo@desk.example.org",
    "likely_consequences": "Phishing aimed at the customers",
    "measures": "Recipient deleted the file; exports now need a second pair of eyes",
}
CLOSE = {"closure_summary": "Export sent to the wrong address; process fixed"}


@pytest.fixture
def people_and_dpo(app, people) -> Clients:
    """Everyone of `people`, plus the privacy team and management."""
    return with_more_people(app, people, BREACH_PEOPLE)


def flag(client, number, aware_at: datetime, summary="Customer list mailed to a stranger"):
    response = client.post(
        f"/api/incidents/{number}/breach",
        json={"aware_at": aware_at.isoformat(), "summary": summary},
    )
    assert response.status_code == 201, response.json
    return response.json


def get_breach(client, number):
    response = client.get(f"/api/breaches/{number}")
    assert response.status_code == 200, response.json
    return response.json


def task_of(breach, key):
    [task] = [t for t in breach["open_tasks"] if t["key"] == key]
    return task


def complete_step(client, breach, key, data):
    """Complete one open step of the breach; return the breach as it is then."""
    response = client.post(f"/api/tasks/{task_of(breach, key)['id']}/complete", json=data)
    assert response.status_code == 200, response.json
    return get_breach(client, breach["number"])
