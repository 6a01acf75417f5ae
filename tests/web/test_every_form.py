"""Every shipped form is completable on its own task page: each shipped process is driven
to each of its user tasks, whose page is filled in from its own fields alone (first
option, a date-time for a date-time input, a number within its limits, text for text)
and sent with its CSRF token; the task must be completed, never answered with 422."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import lxml.etree
import lxml.html
import pytest
from werkzeug.datastructures import MultiDict

from service.services import sign_in
from service.worker import TimerWorker
from tests.breaches import people_and_dpo  # noqa: F401  (a fixture)
from tests.conftest import FORMS, PROCESSES
from tests.web.page_filler import fill
from tests.web.test_pages import PASSWORD, Browser

# Who works each lane on the pages.
WORKERS = {"L1": "alice", "L2": "bob", "L3": "carol", "privacy": "dora", "Reporter": "rita"}
# The routes through the shipped processes, as (task, choices made on its page); the
# choices only pick among what the page offers, every other field is the filler's.
INCIDENT_P1 = [("triage", {}), ("l3_resolve", {}), ("confirm_resolution", {})]
INCIDENT_AT_L1 = [
    ("triage", {"impact": "low", "urgency": "low"}),
    ("l1_diagnose", {"outcome": "escalate"}),
    ("l2_investigate", {}),
    ("confirm_resolution", {}),
]
SERVICE_REQUEST = [("triage", {"kind": "request"}), ("fulfil_request", {})]
BREACH = [
    ("contain_breach", {}),
    ("assess_risk", {"risk": "high_risk"}),
    ("notify_authority", {}),
    ("notify_subjects", {}),
    ("close_breach", {}),
]

MAJOR = [("write_update", {}), ("l3_resolve", {}), ("post_incident_review", {})]


def user_tasks():
    """(process file, user task id, its form file) of every shipped process."""
    found = []
    for path in sorted(PROCESSES.glob("*.bpmn")):
        root = lxml.etree.parse(str(path)).getroot()
        for task in root.iterfind(".//{*}userTask"):
            [form] = task.xpath(".//*[local-name()='property'][@name='formJsonSchemaFilename']")
            found.append((path.name, task.get("id"), form.get("value")))
    return found


@pytest.fixture
def pages(app, people_and_dpo, svc):  # noqa: F811
    for name in {*WORKERS.values(), "adam"}:
        sign_in.set_password(svc, name, PASSWORD)
    browsers = {}

    def page_of(name):
        if name not in browsers:
            browsers[name] = Browser(app)
            browsers[name].sign_in(name)
        return browsers[name]

    return page_of


@pytest.fixture
def team(people_and_dpo):  # noqa: F811
    return people_and_dpo


class Drive:
    """Walks an incident's tasks (and those of its linked processes) on the pages."""

    def __init__(self, api, pages, clock, only_marked):
        self.api, self.pages, self.clock, self.only_marked = api, pages, clock, only_marked
        self.done: list[tuple[str, str]] = []  # (task key, form)

    def ready(self, number, key):
        tasks = self.api.adam.get(f"/api/tasks?incident={number}&scope=all&page_size=100").json
        found = [t for t in tasks if t["key"] == key and t["state"] == "ready"]
        assert found, f"{key} is not waiting on {number}: {[t['key'] for t in tasks]}"
        return found[0]

    def step(self, number, key, choose=None):
        task = self.ready(number, key)
        agent = self.pages(WORKERS.get(task["lane"] or "", "carol"))
        page = agent.get(f"/tasks/{task['id']}")
        assert page.status_code == 200, page.get_data(as_text=True)
        sent = fill(
            page.get_data(as_text=True),
            now=self.clock.now,
            only_marked=self.only_marked,
            choose=choose,
        )
        answer = agent.client.post(f"/tasks/{task['id']}", data=_multi(sent))
        assert answer.status_code == 302, (key, sent, _errors(answer.get_data(as_text=True)))
        after = self.api.adam.get(f"/api/tasks/{task['id']}").json["task"]
        assert after["state"] == "completed", (key, after)
        self.done.append((key, task["form"]))

    def route(self, number, steps):
        for key, choose in steps:
            self.step(number, key, choose)


def _multi(pairs):
    return MultiDict(pairs)


def _errors(html):
    page = lxml.html.fromstring(html)
    return [e.text_content() for e in page.xpath("//*[contains(@class, 'error')]")]


def _open(api, **fields):
    body = {"title": "Mail is down", "description": "Outlook cannot connect since 08:00"}
    answer = api.rita.post("/api/incidents", json=body | fields)
    assert answer.status_code == 201, answer.json
    return answer.json["number"]


@pytest.mark.parametrize("only_marked", [False, True], ids=["every-field", "marked-fields"])
def test_every_user_task_of_every_shipped_process_completes_from_its_page(
    api, team, pages, clock, svc, only_marked
):
    drive = Drive(team, pages, clock, only_marked)

    drive.route(_open(api), INCIDENT_P1)
    drive.route(_open(api), INCIDENT_AT_L1)
    drive.route(_open(api), SERVICE_REQUEST)

    # A call about a P1 at L3: arranged two hours ahead, recorded once it was held.
    number = _open(api)
    drive.step(number, "triage")
    l3 = drive.ready(number, "l3_resolve")
    assert team.carol.post(f"/api/tasks/{l3['id']}/claim").status_code == 200
    assert team.carol.post(f"/api/incidents/{number}/calls").status_code == 201
    call_at = clock.now + timedelta(hours=2)
    drive.step(number, "arrange_call", {"call_at": call_at.strftime("%Y-%m-%dT%H:%M")})
    clock.set(call_at - timedelta(minutes=14))
    assert TimerWorker(svc).run_once() == 1
    clock.set(call_at + timedelta(minutes=30))
    drive.step(number, "record_outcome")

    # A personal-data breach with a high risk: every step of the process.
    number = _open(api)
    aware = {"aware_at": (clock.now - timedelta(hours=1)).isoformat(), "summary": "Leak"}
    assert team.carol.post(f"/api/incidents/{number}/breach", json=aware).status_code == 201
    drive.route(number, BREACH)

    # A major incident: an update on the cadence, the resolution, the review.
    number = _open(api)
    drive.step(number, "triage", {"impact": "high", "urgency": "high"})
    declared = team.carol.post(f"/api/incidents/{number}/major", json={"reason": "All mail down"})
    assert declared.status_code == 201, declared.json
    drive.route(number, MAJOR)

    shipped = user_tasks()
    assert {key for _, key, _ in shipped} <= {key for key, _ in drive.done}
    # Every form in forms/ is some shipped task's, and each was rendered and sent.
    assert {form for _, _, form in shipped} == {p.name for p in FORMS.glob("*-schema.json")}
    assert {form for _, form in drive.done} == {form for _, _, form in shipped}


def test_a_date_time_that_is_no_date_time_is_named_on_its_field_and_kept(api, team, pages):
    number = _open(api, impact="high", urgency="high")
    drive = Drive(team, pages, None, False)
    l3 = drive.ready(number, "triage")
    complete = team.alice.post(
        f"/api/tasks/{l3['id']}/complete",
        json={"kind": "incident", "category": "email", "impact": "high", "urgency": "high"},
    )
    assert complete.status_code == 200, complete.json
    l3 = drive.ready(number, "l3_resolve")
    assert team.carol.post(f"/api/tasks/{l3['id']}/claim").status_code == 200
    assert team.carol.post(f"/api/incidents/{number}/calls").status_code == 201
    arrange = drive.ready(number, "arrange_call")
    carol = pages("carol")
    carol.get(f"/tasks/{arrange['id']}")
    answer = carol.post(
        f"/tasks/{arrange['id']}",
        {"call_at": "tomorrow 3pm", "medium": "phone", "join": "+30 210 555 0100"},
    )
    assert answer.status_code == 422
    page = lxml.html.fromstring(answer.get_data(as_text=True))
    [message] = page.xpath("//div[@id='e-call_at']/p")
    assert "not a date and time" in message.text_content()
    assert page.xpath("//input[@name='call_at']/@value") == ["tomorrow 3pm"]
    assert page.xpath("//input[@name='join']/@value") == ["+30 210 555 0100"]


def test_rows_are_added_on_the_page_without_script_and_empty_ones_are_dropped(api, team, pages):
    schema = json.loads((FORMS / "triage-schema.json").read_bytes())
    schema["properties"]["witnesses"] = {
        "type": "array",
        "title": "Who else saw it",
        "items": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "title": "Name"},
                "team": {"type": "string", "title": "Team", "enum": ["sales", "support"]},
            },
        },
    }
    answer = team.olga.post(
        "/api/deployments",
        data={"files": [(io.BytesIO(json.dumps(schema).encode()), "triage-schema.json")]},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.json
    number = _open(api)
    task = Drive(team, pages, None, False).ready(number, "triage")
    alice = pages("alice")
    page = lxml.html.fromstring(alice.get(f"/tasks/{task['id']}").get_data(as_text=True))
    assert page.xpath("//input[@name='witnesses[0][name]']")  # one empty row to type into
    assert not page.xpath("//input[@name='witnesses[1][name]']")
    # Enter in a field presses the form's first button: "Complete", not "Add a row".
    [form] = page.xpath("//form[.//button[@name='__add']]")
    assert form.xpath(".//button")[0].text_content() == "Complete"
    typed = {"kind": "incident", "category": "email", "impact": "low", "urgency": "low"}
    added = alice.post(
        f"/tasks/{task['id']}",
        typed | {"witnesses[0][name]": "Ann", "__rows:witnesses": "1", "__add": "witnesses"},
    )
    assert added.status_code == 200  # drawn again, not sent
    page = lxml.html.fromstring(added.get_data(as_text=True))
    assert page.xpath("//input[@name='witnesses[0][name]']/@value") == ["Ann"]
    assert page.xpath("//input[@name='witnesses[1][name]']/@value") == [""]
    assert page.xpath("//select[@name='category']/option[@selected]/@value") == ["email"]
    assert api.alice.get(f"/api/tasks/{task['id']}").json["task"]["state"] == "ready"
    done = alice.post(
        f"/tasks/{task['id']}",
        typed
        | {
            "witnesses[0][name]": "Ann",
            "witnesses[0][team]": "sales",
            "witnesses[1][name]": "",
            "__rows:witnesses": "2",
        },
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    instance = team.adam.get(f"/api/instances/{task['instance_id']}").json
    assert instance["data"]["witnesses"] == [{"name": "Ann", "team": "sales"}]
