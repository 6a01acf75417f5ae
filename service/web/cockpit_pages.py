"""The owners' pages: processes and decisions with their versions, where a version's
work waits (a heat map), and two versions compared. Process owners and admins only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace

from flask import g, render_template, request
from markupsafe import Markup

from ..domain.errors import FieldError, InvalidInput, NotFound
from ..downloads import attachment_response
from ..services.cockpit import catalogue, comparing, heat, require_owner, waiting
from .auth import services
from .forms import PeriodForm
from .pages import blp

DEFAULT_PERIOD = timedelta(days=30)
_KINDS = {"bpmn": "application/xml", "dmn": "application/xml", "json": "application/json"}


def inline(svg: bytes) -> Markup:
    """An SVG from service.workflow.diagram, which escapes every name it draws."""
    drawing = svg.decode()
    # Inside HTML an XML declaration is noise.
    drawing = drawing.split("?>", 1)[1] if drawing.startswith("<?xml") else drawing
    return Markup(drawing)  # noqa: S704


@blp.route("/processes")
def process_list():
    processes, decisions = catalogue.catalogue(services(), g.principal)
    return render_template("cockpit_processes.html", processes=processes, decisions=decisions)


@blp.route("/processes/<process_id>/versions/<int:version>")
def process_version(process_id: str, version: int):
    """The version's diagram with where work waits now and the step times of a period."""
    svc = services()
    form, start, end = _period(svc)
    report = heat.waiting_report(svc, g.principal, process_id, version, start, end)
    row = catalogue.process_versions(svc, g.principal, process_id)
    return render_template(
        "cockpit_version.html",
        process=row,
        version=next((v for v in row.versions if v.version == version), None),
        report=report,
        diagram=inline(report.svg),
        form=form,
    )


@blp.route("/processes/<process_id>/versions/<int:version>/files/<path:name>")
def process_file(process_id: str, version: int, name: str):
    source = catalogue.version_file(services(), g.principal, process_id, version, name)
    return _download(source)


@blp.route("/decisions/<decision_id>/versions/<int:version>/file")
def decision_file(decision_id: str, version: int):
    source = catalogue.decision_source(services(), g.principal, decision_id, version)
    return _download(source)


@blp.route("/processes/<process_id>/compare")
def process_compare(process_id: str):
    svc = services()
    row = catalogue.process_versions(svc, g.principal, process_id)
    before, after = _versions(row)
    found = comparing.compare_process(svc, g.principal, process_id, before, after)
    return render_template(
        "cockpit_compare.html",
        process=row,
        comparison=found,
        before_diagram=inline(found.before_svg),
        after_diagram=inline(found.after_svg),
    )


@blp.route("/decisions/<decision_id>/compare")
def decision_compare(decision_id: str):
    svc = services()
    decisions = catalogue.catalogue(svc, g.principal)[1]
    row = next((d for d in decisions if d.decision_id == decision_id), None)
    if row is None:
        raise NotFound(f"no decision {decision_id!r} is deployed")
    before, after = _versions(row)
    found = comparing.compare_decision(svc, g.principal, decision_id, before, after)
    return render_template("cockpit_decision_compare.html", decision=row, comparison=found)


def _versions(row) -> tuple[int, int]:
    """`from` and `to` of the query; by default the version before the latest, and the latest."""
    numbers = [v.version for v in row.versions]
    latest = numbers[0]
    chosen = []
    for key, default in (("from", numbers[1] if len(numbers) > 1 else latest), ("to", latest)):
        raw = request.args.get(key, "")
        if not raw:
            chosen.append(default)
            continue
        if not raw.isdigit() or int(raw) not in numbers:
            message = f"`{key}` must be one of the versions {', '.join(map(str, numbers))}"
            raise InvalidInput(message, [FieldError(key, message, "query")])
        chosen.append(int(raw))
    return chosen[0], chosen[1]


def _period(svc):
    require_owner(g.principal)
    form = PeriodForm(request.args, meta={"csrf": False})
    form.validate()
    # Whole days in UTC; "to" counts its own day.
    try:
        end = _day(form.end.data, days=1) if form.end.data else svc.now()
    except OverflowError:
        end = svc.now()
    start = _day(form.start.data) if form.start.data else waiting.before(end, DEFAULT_PERIOD)
    if end <= start:
        start = waiting.before(end, DEFAULT_PERIOD)
    form.start.data = start.date()
    form.end.data = (end - timedelta(microseconds=1)).date()
    return form, start, end


def _day(day, *, days: int = 0) -> datetime:
    return datetime.combine(day, time.min, UTC) + timedelta(days=days)


def _download(source):
    kind = source.name.rsplit(".", 1)[-1].lower()
    view = SimpleNamespace(
        filename=source.name,
        content_type=_KINDS.get(kind, "application/octet-stream"),
        sha256=source.sha256,
    )
    return attachment_response(view, source.content)
