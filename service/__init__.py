"""Incident Desk. `create_app()` builds the application; importing does nothing.

Nothing is imported here at module level either: the sandbox processes import
`service.workflow` and must not pull in Flask, the database layer or the
configuration with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

    from .config import Settings
    from .services.context import Clock, Services


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    clock: Clock | None = None,
    **flask_config: Any,
) -> Flask:
    from flask import Flask

    from . import api, web
    from .config import Settings
    from .services.context import EXTENSION, build_services, utc_now

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        API_TITLE="Incident Desk",
        API_VERSION="1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api",
        OPENAPI_JSON_PATH="openapi.json",
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "servers": [{"url": settings.public_url, "description": "this desk"}],
        },
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        JSON_SORT_KEYS=False,
    )
    app.config.update(flask_config)
    if settings.proxy_hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Only that many proxies' headers are believed: a client cannot forge its address.
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.extensions[EXTENSION] = services or build_services(settings, clock=clock or utc_now)
    api.register(app)
    web.register(app, api_blueprints=api.blueprints())
    return app
