"""Full-text search on the database in use (SQLite's FTS5 or PostgreSQL's tsvector):
what is found, in which order, by whom, and that the index follows every write."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import func, select, text

from service.models import Comment, IncidentSearch
from service.services.search import index
from tests.helpers import RESOLVED, TRIAGE, complete, open_incident
from tests.unit.test_search_text import HOSTILE


def search(client, q, **params):
    response = client.get("/api/incidents", query_string={"q": q, **params})
    assert response.status_code == 200, response.json
    return response.json


def numbers(hits):
    return [hit["number"] for hit in hits]


def comment(client, number, body, public=True):
    response = client.post(
        f"/api/incidents/{number}/comments", json={"body": body, "public": public}
    )
    assert response.status_code == 201, response.json


def test_a_title_hit_ranks_above_a_comment_only_hit_and_both_words_must_be_there(api):
    in_comment = open_incident(api.rita, title="Slow laptop", description="Takes ages to boot")
    comment(api.rita, in_comment["number"], "Maybe the mail gateway is to blame")
    in_title = open_incident(api.rita, title="Mail gateway down", description="Nothing arrives")
    # The words apart, in two fields: still both there.
    apart = open_incident(api.rita, title="Gateway errors", description="mail bounces")
    only_one = open_incident(api.rita, title="Mail is slow", description="since Monday")
    hits = search(api.alice, "mail gateway")
    assert numbers(hits)[0] == in_title["number"]
    assert set(numbers(hits)) == {in_title["number"], in_comment["number"], apart["number"]}
    assert numbers(hits).index(in_title["number"]) < numbers(hits).index(in_comment["number"])
    assert only_one["number"] not in numbers(hits)
    top = hits[0]["snippets"][0]
    assert top["field"] == "title"
    assert top["html"] == "<mark>Mail</mark> <mark>gateway</mark> down"
    assert top["matched"] == ["Mail", "gateway"]


def test_words_only_in_a_comment_or_a_resolution_are_found(api):
    commented = open_incident(api.rita, title="Laptop", description="Broken")
    comment(api.rita, commented["number"], "The hinge snapped off")
    resolved = complete(
        api.alice, open_incident(api.ron, title="VPN", description="No tunnel"), "triage", TRIAGE
    )
    complete(
        api.alice, resolved, "l1_diagnose", RESOLVED | {"resolution": "Renewed the certificate"}
    )
    assert numbers(search(api.alice, "hinge")) == [commented["number"]]
    found = search(api.alice, "certificate")
    assert numbers(found) == [resolved["number"]]
    assert found[0]["snippets"][0]["field"] == "resolution"
    assert numbers(search(api.ron, "certificate")) == [resolved["number"]]


def test_greek_matches_whatever_the_case_and_accents(api):
    incident = open_incident(
        api.rita, title="Πρόβλημα στο δίκτυο", description="Δεν υπάρχει σύνδεση"
    )
    for query in ("ΔΙΚΤΥΟ", "δίκτυο", "Δικτυο", "ΣΥΝΔΕΣΗ"):
        hits = search(api.alice, query)
        assert numbers(hits) == [incident["number"]], query
    snippet = search(api.alice, "ΔΙΚΤΥΟ")[0]["snippets"][0]
    assert snippet["html"] == "Πρόβλημα στο <mark>δίκτυο</mark>"


def test_the_number_and_the_reporter_are_found_by_agents_only(api):
    incident = open_incident(api.rita, title="Printer", description="Jammed")
    assert numbers(search(api.alice, incident["number"])) == [incident["number"]]
    assert numbers(search(api.alice, "rita@example.org")) == [incident["number"]]
    assert numbers(search(api.alice, "Reporter")) == [incident["number"]]
    assert search(api.rita, "Reporter") == []
    assert numbers(search(api.rita, incident["number"].lower())) == [incident["number"]]


def test_a_reporter_finds_neither_others_incidents_nor_internal_notes(api):
    mine = open_incident(api.rita, title="Monitor flickers", description="Every hour")
    theirs = open_incident(api.ron, title="Monitor flickers too", description="Since Tuesday")
    comment(api.alice, mine["number"], "Suspect the zebra cable", public=False)
    assert numbers(search(api.rita, "monitor")) == [mine["number"]]
    assert numbers(search(api.ron, "monitor")) == [theirs["number"]]
    assert search(api.rita, "zebra") == []
    assert numbers(search(api.alice, "zebra")) == [mine["number"]]
    assert set(numbers(search(api.alice, "monitor"))) == {mine["number"], theirs["number"]}


def test_exclusions_phrases_and_or(api):
    mail = open_incident(api.rita, title="Mail gateway down", description="x")
    printer = open_incident(api.rita, title="Printer gateway", description="y")
    assert numbers(search(api.alice, "gateway -printer")) == [mail["number"]]
    assert numbers(search(api.alice, '"gateway down"')) == [mail["number"]]
    assert set(numbers(search(api.alice, "mail OR printer"))) == {mail["number"], printer["number"]}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=HOSTILE)
def test_hostile_queries_never_fail(api, query):
    open_incident(api.rita, title='Mail "gateway" (NEAR) -x* AND: OR', description="δίκτυο")
    response = api.alice.get("/api/incidents", query_string={"q": query})
    assert response.status_code in (200, 400, 422), response.json
    if response.status_code != 200:
        # Refused (empty, or a NUL the gate for hostile input stops), naming q.
        assert "q" in {e["field"] for e in response.json["errors"]}


def test_the_index_follows_a_comment_in_its_own_transaction(api, svc):
    incident = open_incident(api.rita, title="Scanner", description="Offline")
    comment(api.rita, incident["number"], "Quokka sticker on the lens")
    assert numbers(search(api.rita, "quokka")) == [incident["number"]]
    # A write that does not commit leaves the index as it was.
    with svc.db.unit_of_work() as uow:
        session = uow.session
        session.add(
            Comment(
                incident_id=int(incident["number"].split("-")[1]),
                author_id=session.scalar(text("SELECT id FROM users WHERE username = 'rita'")),
                body="Wombat",
                public=True,
                created_at=svc.now(),
            )
        )
        session.flush()
        index.refresh(session)
        assert (
            session.scalar(select(func.count()).where(IncidentSearch.comments.contains("Wombat")))
            == 2
        )
    assert search(api.rita, "wombat") == []
    with svc.db.engine.connect() as connection:
        rows = connection.scalar(
            select(func.count()).where(IncidentSearch.comments.contains("Wombat"))
        )
    assert rows == 0


def test_the_migration_indexes_incidents_already_there(api, svc):
    incident = open_incident(api.rita, title="Projector", description="Fan noise")
    with svc.db.engine.begin() as connection:
        if connection.dialect.name != "postgresql":
            connection.execute(text("DELETE FROM incident_search_fts"))
        connection.execute(text("DELETE FROM incident_search"))
    assert search(api.alice, "projector") == []
    svc.db.downgrade("0013")  # the revision before the search index
    svc.db.upgrade()
    assert numbers(search(api.alice, "projector")) == [incident["number"]]


@pytest.mark.parametrize("q", ["", "a" * 201])
def test_an_empty_or_overlong_query_is_refused_naming_it(api, q):
    response = api.alice.get("/api/incidents", query_string={"q": q})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["q"]


def test_a_query_of_symbols_only_is_no_filter(api):
    incident = open_incident(api.rita)
    assert numbers(search(api.alice, '*** "" ()')) == [incident["number"]]


def test_text_is_the_older_name_of_q(api):
    incident = open_incident(api.rita, title="Keyboard", description="Sticky keys")
    other = open_incident(api.rita, title="Mouse", description="Dead")
    found = api.alice.get("/api/incidents?text=sticky").json
    assert numbers(found) == [incident["number"]]
    assert numbers(api.alice.get("/api/incidents?text=sticky&q=dead").json) == [other["number"]]


def test_huge_threads_are_indexed_by_their_beginning(api):
    incident = open_incident(api.rita, title="Logs", description="Pasted")
    # Replies as long and as varied as they may be, past what the index keeps.
    for reply in range(6):
        words = " ".join(f"δ{reply}x{i:x}" for i in range(4_000))[:19_000]
        comment(api.rita, incident["number"], f"Aardvark{reply} {words} Zebrafinch{reply}")
    assert numbers(search(api.rita, "aardvark0")) == [incident["number"]]
    assert numbers(search(api.alice, "zebrafinch0")) == [incident["number"]]
    assert search(api.rita, "zebrafinch5") == []


def test_any_committed_change_of_the_text_is_found_at_once(api, svc):
    """Edits made by any use case (here straight through the ORM) reach the index in
    their own commit: the index listens to the session, not to chosen use cases."""
    from service.models import Incident

    incident = open_incident(api.rita, title="Beamer", description="Blurry")
    with svc.db.unit_of_work() as uow:
        row = uow.session.scalar(select(Incident).where(Incident.number == incident["number"]))
        row.title = "Overhead projector"
        uow.commit()
    assert search(api.alice, "beamer") == []
    assert numbers(search(api.alice, "overhead")) == [incident["number"]]


def _index_rows(svc, incident_id: int) -> list:
    with svc.db.read() as uow:
        connection = uow.session.connection()
        rows = connection.execute(
            select(IncidentSearch.__table__)
            .where(IncidentSearch.incident_id == incident_id)
            .order_by(IncidentSearch.id)
        ).all()
        if connection.dialect.name == "postgresql":
            extra = connection.execute(
                text("SELECT id, document::text FROM incident_search WHERE incident_id = :i"),
                {"i": incident_id},
            ).all()
        else:
            extra = connection.execute(
                text(
                    "SELECT rowid, * FROM incident_search_fts WHERE rowid IN (:a, :b)"
                    " ORDER BY rowid"
                ),
                {"a": incident_id * 2, "b": incident_id * 2 + 1},
            ).all()
    return [tuple(row) for row in rows] + [tuple(row) for row in extra]


def test_a_resolution_or_retitling_leaves_the_rows_a_full_rewrite_would(api, svc):
    """Changes of the fields both rows share rewrite only those (from the session);
    the rows, and the matched text or document, are what a rewrite from scratch makes."""
    from service.models import Incident

    incident = open_incident(api.rita, title="Beamer", description="Blurry")
    comment(api.rita, incident["number"], "Since the firmware update")
    comment(api.alice, incident["number"], "Vendor ticket 4711", public=False)
    resolved = complete(
        api.alice,
        complete(api.alice, incident, "triage", TRIAGE),
        "l1_diagnose",
        RESOLVED | {"resolution": "Rolled the firmware back"},
    )
    with svc.db.unit_of_work() as uow:
        row = uow.session.scalar(select(Incident).where(Incident.number == resolved["number"]))
        row.title = "Overhead projector"
        incident_id = row.id
        uow.commit()
    rewritten = _index_rows(svc, incident_id)

    with svc.db.unit_of_work() as uow:
        index.reindex(uow.session.connection(), [incident_id])
        uow.commit()

    assert _index_rows(svc, incident_id) == rewritten
    assert numbers(search(api.rita, "rolled overhead")) == [resolved["number"]]
    assert numbers(search(api.alice, "4711 firmware")) == [resolved["number"]]
    assert search(api.rita, "4711") == [] and search(api.alice, "beamer") == []
