"""The incident page shows which replies came by e-mail, with the original to download."""

from __future__ import annotations

import re

from service.services.mail import intake
from tests.helpers import open_incident
from tests.mail_messages import message
from tests.web.test_pages import browser  # noqa: F401 - a fixture


def test_agents_and_the_sender_download_the_original_of_a_reply_from_its_comment(
    browser,  # noqa: F811 - the fixture imported above
    api,
    svc,
):
    number = open_incident(api.rita)["number"]
    raw = message(subject=f"Re: [{number}]", text="Logs attached.\n\n-- \nRita\n")
    intake.take(svc, raw, via=intake.PIPE)
    for who in ("alice", "rita"):
        page = browser()
        page.sign_in(who)
        html = page.get(f"/incidents/{number}").get_data(as_text=True)
        assert "Logs attached." in html
        [link] = re.findall(r'href="(/incidents/[^"]+/emails/\d+)"', html)
        download = page.get(link)
        assert download.status_code == 200 and download.data == raw
        assert download.headers["Content-Disposition"].startswith("attachment")
    # Someone else's mail is not offered to, nor downloadable by, another reporter.
    other = browser()
    other.sign_in("ron")
    assert other.get(link).status_code == 404
