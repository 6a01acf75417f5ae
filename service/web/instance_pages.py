"""The owners' instance pages: the search with the API's filters, and one instance
with its diagram, data, audit trail and failed steps (process owners and admins)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from flask import g, render_template, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..domain import access
from ..domain.errors import FieldError, Forbidden, InvalidInput
from ..services import processes
from ..services.instance_views import detail, search
from .auth import services
from .forms import ActionForm
from .incident_filters import page_number
from .pages import blp

PAGE_SIZE = 25
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_TEXTS = {"process": 255, "element": 255, "incident": 20, "data_key": 64, "data_value": 200}


def require_cockpit() -> None:
    if not access.may_use_cockpit(g.principal):
        raise Forbidden("these pages are for process owners and admins")


def inline_svg(content: bytes) -> Markup:
    """Drawn on the server with every name escaped (service.workflow.diagram)."""
    drawing = content.decode()
    drawing = drawing.split("?>", 1)[1] if drawing.startswith("<?xml") else drawing
    return Markup(drawing)  # noqa: S704


def _day(name: str, value: str, errors: list, *, end: bool = False) -> datetime | None:
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        errors.append(FieldError(name, "a date: 2026-12-01", "query"))
        return None
    start = datetime.combine(day, time(), UTC)
    return start + timedelta(days=1) if end else start


def _filters(args) -> tuple[search.InstanceFilters, dict[str, str]]:
    chosen = {name: (args.get(name) or "").strip()[:size] for name, size in _TEXTS.items()}
    chosen |= {name: (args.get(name) or "").strip() for name in ("version", "state")}
    chosen |= {name: (args.get(name) or "").strip()[:10] for name in ("started_from", "started_to")}
    errors: list[FieldError] = []
    version = None
    if chosen["version"]:
        if chosen["version"].isdigit() and 0 < int(chosen["version"]) < 2**31:
            version = int(chosen["version"])
        else:
            errors.append(FieldError("version", "a version number: 1, 2 ...", "query"))
    if chosen["state"] and chosen["state"] not in search.STATES:
        errors.append(FieldError("state", f"one of {', '.join(search.STATES)}", "query"))
    data = {}
    if chosen["data_key"]:
        if _KEY.match(chosen["data_key"]):
            data[chosen["data_key"]] = chosen["data_value"]
        else:
            errors.append(FieldError("data_key", "letters, digits and _", "query"))
    started_from = _day("started_from", chosen["started_from"], errors)
    started_to = _day("started_to", chosen["started_to"], errors, end=True)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors)
    filters = search.InstanceFilters(
        process_id=chosen["process"] or None,
        version=version,
        state=chosen["state"] or None,
        element=chosen["element"] or None,
        incident=chosen["incident"] or None,
        started_from=started_from,
        started_to=started_to,
        data=data,
    )
    return filters, chosen


@blp.route("/instances")
def instance_list():
    require_cockpit()
    filters, chosen = _filters(request.args)
    page = page_number(request.args)
    rows, total = search.search(services(), g.principal, filters, page=page, page_size=PAGE_SIZE)
    return render_template(
        "instances.html",
        rows=rows,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        chosen=chosen,
        args={name: value for name, value in chosen.items() if value},
        states=search.STATES,
    )


@blp.route("/instances/<int:instance_id>")
def instance_page(instance_id: int):
    require_cockpit()
    svc = services()
    found = detail.trail(svc, g.principal, instance_id)
    view = processes.get_instance(svc, g.principal, instance_id)
    picture = processes.instance_picture(svc, g.principal, instance_id)
    return render_template(
        "instance.html",
        instance=view,
        diagram=inline_svg(picture.svg),
        events=found.events,
        failures=found.failures,
        operations=_operations(view.status, bool(found.failures)),
        action=ActionForm(),
    )


def _operations(status: str, failed: bool) -> list[tuple[str, str]]:
    """The buttons that apply to the instance as it stands."""
    if status == "running":
        shown = [("suspend", _l("Suspend")), ("terminate", _l("Terminate"))]
        return shown + ([("retry", _l("Retry the failed step"))] if failed else [])
    if status == "suspended":
        return [("resume", _l("Resume")), ("terminate", _l("Terminate"))]
    return []
