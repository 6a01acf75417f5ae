"""The request's principal and the application's services, for handlers."""

from __future__ import annotations

from flask import current_app, g

from ..domain.access import Principal
from ..services.context import Services

EXTENSION = "incident_desk"


def services() -> Services:
    return current_app.extensions[EXTENSION]


def principal() -> Principal:
    return g.principal
