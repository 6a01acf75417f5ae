"""/api/docs: the API's reference to browse, for people signed in to the pages.

Swagger UI, served from the `swagger-ui-bundle` package (no CDN), with the
OpenAPI document written into the page as data: the browser has a session
cookie, not a bearer token, so the page cannot fetch /api/openapi.json
itself. To try an operation, paste a token into "Authorize". The page runs
only our own script files: its policy allows no inline script.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    send_from_directory,
    session,
    url_for,
)
from swagger_ui_bundle import swagger_ui_path

from ..services import sign_in
from ..services.sign_in import SESSION_METHOD, SESSION_USER
from .context import services

# Where the app factory keeps the flask-smorest Api whose document the page shows.
API_EXTENSION = "incident_desk.api"
blp = Blueprint(
    "docs",
    __name__,
    url_prefix="/api/docs",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)
_ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


@blp.before_request
def _signed_in():
    user_id = session.get(SESSION_USER)
    method = session.get(SESSION_METHOD)
    epoch = session.get(sign_in.SESSION_EPOCH, 0)
    if not user_id or sign_in.principal_of(services(), user_id, method, epoch) is None:
        return redirect(url_for("web.login", next="/api/docs"))
    return None


@blp.after_request
def _policy(response):
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("", methods=["GET"])
def reference():
    spec = current_app.extensions[API_EXTENSION].spec.to_dict()
    return render_template("docs.html", spec=spec)


@blp.route("/assets/<name>", methods=["GET"])
def asset(name: str):
    if name not in _ASSETS:
        abort(404)
    return send_from_directory(Path(str(swagger_ui_path)), name, max_age=3600)
