"""How an uploaded file leaves the server, the same from the API and the pages: always a
download, never rendered by the browser in our origin."""

from __future__ import annotations

import io

from flask import Response, send_file


def attachment_response(view, content: bytes) -> Response:
    """`view`: the attachment's filename, content type and sha256."""
    response = send_file(
        io.BytesIO(content),
        mimetype=view.content_type,
        as_attachment=True,
        download_name=view.filename,
        etag=view.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
