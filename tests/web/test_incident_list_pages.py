"""The incident list page: the search box, filters kept in the URL, pages, and the CSV
of the current view."""

from __future__ import annotations

import csv
import io
import re

import pytest

from service.services import sign_in
from tests.helpers import TRIAGE, complete, open_incident
from tests.web.test_pages import PASSWORD, Browser


@pytest.fixture
def signed_in(app, api, svc):
    def sign(name):
        sign_in.set_password(svc, name, PASSWORD)
        person = Browser(app)
        person.sign_in(name)
        return person

    return sign


def page_of(person, path):
    response = person.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rows_of(page):
    return re.findall(r'<td><a href="/incidents/(INC-\d+)">', page)


def test_agents_have_a_search_box_on_every_page(signed_in, api):
    incident = open_incident(api.rita)
    alice = signed_in("alice")
    for path in ("/queue", "/incidents", f"/incidents/{incident['number']}"):
        assert 'role="search"' in page_of(alice, path)
    assert 'role="search"' not in page_of(signed_in("rita"), "/incidents")


def test_search_results_mark_the_words_and_escape_the_text(signed_in, api):
    hit = open_incident(api.rita, title="<b>Mail</b> gateway & co", description="down")
    open_incident(api.rita, title="Printer", description="jammed")
    page = page_of(signed_in("alice"), "/incidents?q=MAIL+gateway")
    assert rows_of(page) == [hit["number"]]
    assert "&lt;b&gt;<mark>Mail</mark>&lt;/b&gt; <mark>gateway</mark> &amp; co" in page
    assert "<b>Mail</b>" not in page
    assert 'value="MAIL gateway"' in page


def test_filters_stay_in_the_links_of_every_page(signed_in, api):
    opened = [open_incident(api.rita, title=f"Disk {i} full")["number"] for i in range(52)]
    complete(api.alice, open_incident(api.rita, title="Disk triaged"), "triage", TRIAGE)
    alice = signed_in("alice")
    first = page_of(alice, "/incidents?status=new&sort=opened")
    assert len(rows_of(first)) == 50
    assert "52 incidents, page 1 of 2" in first
    assert '<option value="new" selected>' in first
    link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "status=new" in link and "sort=opened" in link and "page=2" in link
    second = page_of(alice, link)
    assert set(rows_of(first) + rows_of(second)) == set(opened)


def test_the_csv_is_the_current_view_with_formulas_defused(signed_in, api):
    formula = open_incident(api.rita, title="=HYPERLINK(1) printer", description="x")
    open_incident(api.ron, title="Printer of Ron", description="y")
    open_incident(api.rita, title="Scanner", description="z")
    response = signed_in("rita").get("/incidents.csv?q=printer")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["number"] for row in rows] == [formula["number"]]
    assert rows[0]["title"] == "'=HYPERLINK(1) printer"
    everyone = signed_in("alice").get("/incidents.csv?q=printer&sort=opened")
    assert len(list(csv.DictReader(io.StringIO(everyone.get_data(as_text=True))))) == 2


def test_a_bad_filter_is_explained(signed_in, api):
    response = signed_in("alice").get("/incidents?status=lost&opened_from=someday")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "status" in page and "opened_from" in page
    assert signed_in("rita").get("/incidents?page=0").status_code == 422
    # Past the last page: an empty page, not an error.
    assert rows_of(page_of(signed_in("ron"), "/incidents?page=9")) == []
