"""Files on comments: checked by what they hold, limited in size, as visible as their comment."""

from __future__ import annotations

import io
import zlib

import pytest
from sqlalchemy import select

from service.models import Attachment
from tests.helpers import open_incident


def png(width: int = 1) -> bytes:
    """A real (tiny, grey) PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = width.to_bytes(4, "big") + (1).to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" + b"\x80" * width)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


@pytest.fixture
def settings(settings):
    # Ten files of 4 KiB plus 2 KiB of form: the largest request the endpoint reads.
    return settings.with_overrides(max_attachment_bytes=4096, max_body_bytes=2048)


def attach(client, number, files, **form):
    data = {k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()}
    data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(
        f"/api/incidents/{number}/attachments", data=data, content_type="multipart/form-data"
    )


def test_files_attach_to_a_reply_and_come_back_byte_for_byte(api):
    number = open_incident(api.rita)["number"]
    log = b"08:00 connection refused\n08:01 retry\n"
    posted = attach(
        api.rita, number, [("../../screen shot.png", png()), ("outlook.log", log)], body="See these"
    )
    assert posted.status_code == 201, posted.json
    comment = posted.json["comment"]
    assert comment["body"] == "See these"
    assert [(a["filename"], a["content_type"], a["size"]) for a in comment["attachments"]] == [
        ("screen shot.png", "image/png", len(png())),
        ("outlook.log", "text/plain", len(log)),
    ]
    listed = api.alice.get(f"/api/incidents/{number}/comments").json
    assert listed[-1]["attachments"] == comment["attachments"]

    first = comment["attachments"][0]
    download = api.alice.get(f"/api/incidents/{number}/attachments/{first['id']}")
    assert download.status_code == 200
    assert download.data == png()
    assert download.mimetype == "image/png"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "screen shot.png" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    events = api.alice.get(f"/api/incidents/{number}/events").json
    [added] = [e for e in events if e["type"] == "comment.added"]
    assert added["data"]["attachments"] == ["screen shot.png", "outlook.log"]


def test_files_alone_make_a_comment_that_names_them(api):
    number = open_incident(api.rita)["number"]
    posted = attach(api.rita, number, [("error.png", png())])
    assert posted.status_code == 201, posted.json
    assert posted.json["comment"]["body"] == "Attached error.png"


@pytest.mark.parametrize(
    ("name", "content", "complaint"),
    [
        ("invoice.png", b"<html><script>alert(1)</script></html>", "not the image/png"),
        ("tool.exe", b"MZ\x90\x00" + bytes(range(256)) * 4, "accepted:"),
        ("empty.txt", b"", "is empty"),
        ("big.txt", b"x" * 5000, "at most 4096"),
        ("picture.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "image/svg"),
    ],
)
def test_files_that_are_not_what_they_say_or_too_big_are_refused(
    api, svc, name, content, complaint
):
    number = open_incident(api.rita)["number"]
    refused = attach(api.rita, number, [("fine.png", png()), (name, content)], body="Two files")
    assert refused.status_code == 422, refused.json
    [error] = refused.json["errors"]
    assert error["field"] == "$.files[1]"
    assert complaint in error["message"]
    assert api.rita.get(f"/api/incidents/{number}/comments").json == []
    with svc.db.read() as uow:
        assert uow.session.scalars(select(Attachment)).all() == []


def test_too_many_files_or_too_many_bytes_are_refused(api):
    number = open_incident(api.rita)["number"]
    eleven = attach(api.rita, number, [(f"part{i}.txt", b"y") for i in range(11)])
    assert eleven.status_code == 422
    assert [e["field"] for e in eleven.json["errors"]] == ["$.files"]
    # Beyond what ten files at the limit can weigh: refused before it is read.
    heavy = attach(api.rita, number, [(f"part{i}.txt", b"y" * 4000) for i in range(12)])
    assert heavy.status_code == 413
    assert heavy.json["code"] == 413
    assert api.rita.get(f"/api/incidents/{number}/comments").json == []


def test_attachments_of_internal_notes_stay_with_the_agents(api):
    number = open_incident(api.rita)["number"]
    internal = attach(
        api.alice, number, [("trace.txt", b"stack trace")], body="Trace", public=False
    )
    assert internal.status_code == 201, internal.json
    attachment = internal.json["comment"]["attachments"][0]["id"]
    assert api.rita.get(f"/api/incidents/{number}/attachments/{attachment}").status_code == 404
    assert api.bob.get(f"/api/incidents/{number}/attachments/{attachment}").status_code == 200
    assert api.ron.get(f"/api/incidents/{number}/attachments/{attachment}").status_code == 404
    public_by_rita = attach(api.rita, number, [("note.txt", b"hello")], public=False)
    assert public_by_rita.status_code == 403


def test_a_configured_folder_keeps_the_bytes_outside_the_database(app, api, svc, tmp_path):
    svc.settings = svc.settings.with_overrides(attachments_dir=str(tmp_path / "files"))
    number = open_incident(api.rita)["number"]
    posted = attach(api.rita, number, [("a.png", png()), ("b.png", png())])
    first = posted.json["comment"]["attachments"][0]
    stored = tmp_path / "files" / first["sha256"][:2] / first["sha256"]
    assert stored.read_bytes() == png()
    with svc.db.read() as uow:
        assert [a.content for a in uow.session.scalars(select(Attachment))] == [None, None]
    download = api.rita.get(f"/api/incidents/{number}/attachments/{first['id']}")
    assert download.data == png()
