"""Which language and clock a request is answered in (Flask-Babel, catalogs in
service/translations): a page by the signed-in user's choice, else the visitor's
Accept-Language, else the desk's defaults; an API call by its Accept-Language
first (the problem titles), then the same."""

from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request
from flask_babel import Babel, get_locale, get_timezone, gettext

from ..domain import labels, locales
from ..services.locale import preferences
from . import auth
from .auth import services

TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def _principal():
    return getattr(g, "principal", None)


def select_locale() -> str:
    page_language = getattr(g, "page_language", None)
    if page_language and locales.is_language(page_language):
        # A page about someone not signed in, in the language they chose (the survey).
        return page_language
    chosen = _principal()
    asked = locales.negotiate(list(request.accept_languages)) if request.accept_languages else None
    if asked and request.blueprint != auth.BLUEPRINT:
        # A program says what it reads in each request (the API's problem titles).
        return asked
    if chosen is not None and locales.is_language(chosen.language):
        # A person chose once, on the settings page, whatever their browser sends.
        return chosen.language
    if chosen is None and asked:
        # Visitors: the sign-in page.
        return asked
    return services().settings.default_language


def select_timezone() -> str:
    return preferences.effective(services(), _principal()).time_zone


def zone_name() -> str:
    return str(get_timezone())


def language() -> str:
    return str(get_locale() or services().settings.default_language)


def register(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    Babel(app, locale_selector=select_locale, timezone_selector=select_timezone)

    @app.template_filter("when")
    def _when(value) -> str:
        return locales.wall_clock(value, zone_name())

    for name, names in (
        ("status_name", labels.STATUSES),
        ("level_name", labels.LEVELS),
        ("channel_name", labels.CHANNELS),
        ("clock_name", labels.CLOCK_STATES),
        ("event_name", labels.EVENTS),
        ("sla_name", labels.SLA_STATES),
        ("sort_name", labels.SORTS),
        ("field_name", labels.SEARCH_FIELDS),
        ("category_name", labels.CATEGORIES),
        ("rating_name", labels.RATINGS),
        ("known_error_status", labels.KNOWN_ERROR_STATUSES),
    ):
        app.add_template_filter(_naming(names), name)

    @app.template_filter("event_title")
    def _event_title(event) -> str:
        """ "Task waiting: Triage ticket": the event's name with what it was about."""
        title = _naming(labels.EVENTS)(event.type)
        data = event.data or {}
        if event.type == "incident.status_changed" and data.get("to_status"):
            return f"{title}: {_naming(labels.STATUSES)(data['to_status'])}"
        if event.type.startswith("task.") and data.get("name"):
            return f"{title}: {data['name']}"
        return title

    @app.context_processor
    def _language():
        return {
            "page_language": language(),
            "page_zone": zone_name(),
            # For macros that take a naming function (the incident list's choices).
            "status_name": _naming(labels.STATUSES),
            "sla_name": _naming(labels.SLA_STATES),
            "sort_name": _naming(labels.SORTS),
        }


def _naming(names: dict[str, str]):
    def name_of(value) -> str:
        if value is None:
            return ""
        known = names.get(str(value))
        # A value a newer process brings and no catalog names yet reads as itself.
        return gettext(known) if known else str(value).replace("_", " ")

    return name_of
