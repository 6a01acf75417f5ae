"""The web pages for agents and reporters: server-rendered, signed in with a
session cookie, every form protected against cross-site requests.

HTTP only, like `service.api`: parse, call a service, render.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from ..services.context import EXTENSION
from . import (
    auth,
    cockpit_pages,  # noqa: F401 - its routes join pages.blp when imported
    deploy_pages,  # noqa: F401 - as above
    incident_pages,  # noqa: F401 - as above
    instance_operation_pages,  # noqa: F401 - as above
    instance_pages,  # noqa: F401 - as above
    known_error_pages,  # noqa: F401 - as above
    language,
    pages,
    people_pages,  # noqa: F401 - as above
    related_pages,  # noqa: F401 - as above
    sign_in_pages,  # noqa: F401 - as above
    sso_client,
    sso_pages,  # noqa: F401 - as above
    survey_pages,
    work_pages,  # noqa: F401 - as above
)

SHIFT = timedelta(hours=12)


def register(app: Flask, *, api_blueprints) -> None:
    settings = app.extensions[EXTENSION].settings
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        # Behind HTTPS (as INCIDENT_DESK_PUBLIC_URL says), the cookie never travels in clear.
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="incident_desk_session",
        PERMANENT_SESSION_LIFETIME=SHIFT,
        # A form left open over a long call still posts.
        WTF_CSRF_TIME_LIMIT=int(SHIFT.total_seconds()),
    )
    # Before CSRF's own check, which needs the signing key.
    auth.register(app)
    language.register(app)
    csrf = CSRFProtect(app)
    for blueprint in api_blueprints:
        # Bearer tokens, not cookies: a cross-site page cannot send them.
        csrf.exempt(blueprint)
    sso_client.register(app)
    app.register_blueprint(pages.blp)
    # No session to carry a CSRF token: its signed link and the origin check guard it.
    csrf.exempt(survey_pages.blp)
    app.register_blueprint(survey_pages.blp)
