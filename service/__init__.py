"""Incident Desk. `create_app()` builds the application; importing does nothing."""

from __future__ import annotations

from typing import Any

from flask import Flask

from .config import Settings
from .services.context import EXTENSION, Clock, Services, build_services, utc_now


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    clock: Clock = utc_now,
    **flask_config: Any,
) -> Flask:
    from . import api, web

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Incident Desk",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={"security": [{"bearerAuth": []}]},
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.config.update(flask_config)
    app.extensions[EXTENSION] = services or build_services(settings, clock=clock)
    api.register(app)
    web.register(app, api_blueprints=api.blueprints())
    return app
