"""The pages: sign-in, the queue, task forms, the incident list, reporting one, the overview."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..domain import access
from ..domain.enums import Channel
from ..domain.errors import (
    DomainError,
    InvalidInput,
    http_status,
)
from ..services import incidents, reports, tasks
from ..services.assignment import away, members
from ..services.known_errors import lookup
from ..services.locale import preferences, task_names
from ..services.search import export, listing, solutions
from ..services.tasks import TaskFilter
from . import auth, charts, headers, incident_filters, task_forms
from .auth import services
from .forms import (
    ActionForm,
    NewIncidentForm,
    PeriodForm,
    SettingsForm,
)
from .language import zone_name

blp = Blueprint(
    auth.BLUEPRINT,
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)
log = logging.getLogger(__name__)
PAGE_SIZE = 50
# A shift's worth of ready tasks, sorted on the page.
QUEUE_SIZE = 200
QUEUE_ORDERS = ("age", "priority", "due")


@blp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    code = http_status(exc)
    return render_template("error.html", message=exc.message, code=code), code


@blp.errorhandler(Exception)
def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        data = getattr(exc, "data", None) or {}
        message = data.get("message") or exc.description or exc.name
        return render_template("error.html", message=message, code=exc.code), exc.code
    log.exception("page %s failed", request.path)
    message = _("Something went wrong on our side; it has been logged. Nothing was changed.")
    return render_template("error.html", message=message, code=500), 500


@blp.errorhandler(CSRFError)
def _stale_form(exc: CSRFError):
    message = _("The form was too old or came from elsewhere; reload the page and try again.")
    return render_template("error.html", message=message, code=400), 400


@blp.after_request
def _page_policy(response):
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return headers.guard(response)


@blp.context_processor
def _navigation():
    def may_see_overview() -> bool:
        # Only group leads and admins get the overview (others would meet a 403).
        if "may_see_overview" not in g:
            g.may_see_overview = bool(g.principal) and reports.may_read_reports(
                services(), g.principal
            )
        return g.may_see_overview

    return {
        "may_see_overview": may_see_overview,
        "may_work_known_errors": access.may_work_known_errors,
        "may_use_cockpit": access.may_use_cockpit,
    }


@blp.route("/favicon.ico")
def favicon():
    # Browsers ask for it unasked, signed in or not; the icon is in the assets.
    return redirect(url_for(".static", filename="favicon.svg"), code=301)


@blp.app_template_filter("left")
def _left(seconds: int | None) -> str:
    if seconds is None:
        return ""
    sign = "-" if seconds < 0 else ""
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60}h {minutes % 60:02d}m"


@blp.route("/")
def home():
    if access.sees_everything(g.principal):
        return redirect(url_for(".queue"))
    return redirect(url_for(".incident_list"))


@blp.route("/queue")
def queue():
    mine = request.args.get("mine") == "1"
    lane = request.args.get("lane") or None
    order = request.args.get("sort") if request.args.get("sort") in QUEUE_ORDERS else "age"
    found, total = tasks.list_tasks(
        services(),
        g.principal,
        TaskFilter(lane=lane, claimed_by_me=True if mine else None),
        page=1,
        page_size=QUEUE_SIZE,
    )
    by_number = incidents.incidents_by_number(
        services(), g.principal, {t.incident_number for t in found if t.incident_number}
    )
    found = sorted(found, key=lambda t: _queue_key(order, t, by_number.get(t.incident_number)))
    lanes = sorted(g.principal.groups & {"L1", "L2", "L3", "privacy"})
    return render_template(
        "queue.html",
        roster=members.roster(services(), lanes),
        refresh=request.args.get("refresh") == "1",
        tasks=found,
        total=total,
        incidents=by_number,
        mine=mine,
        lane=lane,
        order=order,
        lanes=lanes,
        action=ActionForm(),
        task_names=translated_task_names(found),
    )


@blp.route("/tasks/<task_id>/claim", methods=["POST"])
def claim(task_id: str):
    return _task_button(tasks.claim_task, task_id, _("You took %(name)s of %(incident)s."))


@blp.route("/tasks/<task_id>/release", methods=["POST"])
def release(task_id: str):
    return _task_button(tasks.release_task, task_id, _("You gave back %(name)s."))


def _task_button(action, task_id: str, message: str):
    ActionForm().validate_on_submit() or abort(400)
    task = action(services(), g.principal, task_id)
    incident = task.incident_number or _("the process")
    flash(message % {"name": task.name, "incident": incident}, "notice")
    return redirect(request.referrer or url_for(".queue"))


@blp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task(task_id: str):
    svc = services()
    language = preferences.effective(svc, g.principal).language
    detail = solutions.task_detail(svc, g.principal, task_id, language=language)
    # The form's own title in the reader's language, where its translation gives one.
    title = detail.ui_schema.get("ui:title") or detail.task.name
    if detail.task.state != "ready":
        flash(_("%(task)s is already %(state)s.", task=title, state=detail.task.state), "notice")
        return _after_task(detail)
    values, errors, general, status, rows = detail.data, {}, [], 200, {}
    if request.method == "POST":
        ActionForm().validate_on_submit() or abort(400)
        submitted = task_forms.parse(
            detail.form_schema, detail.ui_schema, request.form, zone=zone_name()
        )
        rows, adding = task_forms.requested_rows(request.form)
        if adding:
            # "Add a row": the same form again with one more row, what was typed kept.
            values = {**detail.data, **submitted}
        else:
            try:
                tasks.complete_task(svc, g.principal, task_id, submitted)
            except InvalidInput as exc:
                # What was typed stays; each message goes next to its field.
                values = {**detail.data, **submitted}
                errors = task_forms.errors_by_path(exc.errors)
                general = [] if errors else [exc.message]
                status = 422
            else:
                flash(_("%(task)s done.", task=title), "notice")
                return _after_task(detail)
    form = task_forms.build(
        detail.form_schema, detail.ui_schema, values, errors, rows, zone=zone_name()
    )
    lane = detail.task.lane
    return render_template(
        "task.html",
        roster=members.roster(svc, [lane] if lane and g.principal.in_group(lane) else []),
        detail=detail,
        task_title=title,
        form_description=detail.ui_schema.get("ui:description")
        or detail.form_schema.get("description"),
        fields=form.fields,
        general=general + form.general,
        add_row=task_forms.ADD_ROW,
        adds_rows=form.adds_rows,
        rows_prefix=task_forms.ROWS_PREFIX,
        earlier=detail.earlier_solutions,
        action=ActionForm(),
    ), status


def _after_task(detail):
    if detail.incident is not None:
        return redirect(url_for(".incident", number=detail.incident.number))
    return redirect(url_for(".queue"))


@blp.route("/overview")
def overview():
    svc = services()
    # sla_report refuses anyone but leads and admins (a 403 page).
    form, start, end = _period(svc)
    report = reports.sla_report(svc, g.principal, start, end)
    hours = [(f.group, f.median_hours_to_resolve) for f in report.by_priority]
    longest = max([h for _group, h in hours if h is not None] + [24.0])
    shares = [
        (
            f.group,
            None if f.first_response_share is None else round(f.first_response_share * 100, 1),
        )
        for f in report.by_priority
    ]
    return render_template(
        "overview.html",
        report=report,
        form=form,
        resolve_chart=Markup(  # noqa: S704 - built by charts.bars, which escapes every text
            charts.bars(
                _("Median hours to resolve, by priority"),
                hours,
                unit="h",
                limit=longest * 1.1,
                mark=24,
                mark_label=_("24 h promise"),
            )
        ),
        response_chart=Markup(  # noqa: S704 - as above
            charts.bars(
                _("First responses within target, by priority"), shares, unit="%", limit=100
            )
        ),
    )


@blp.route("/overview.csv")
def overview_csv():
    svc = services()
    _form, start, end = _period(svc)
    report = reports.sla_report(svc, g.principal, start, end)
    response = Response(reports.to_csv(report), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="sla-report.csv"'
    return response


def _period(svc):
    form = PeriodForm(request.args, meta={"csrf": False})
    form.validate()
    # Whole days in UTC; "to" counts its own day.
    end = _day(form.end.data, days=1) if form.end.data else svc.now()
    start = _day(form.start.data) if form.start.data else end - timedelta(days=30)
    # The fields show the period that applies, chosen or not.
    form.start.data = start.date()
    form.end.data = (end - timedelta(microseconds=1)).date()
    return form, start, end


def _day(day, *, days: int = 0) -> datetime:
    return datetime.combine(day, time.min, UTC) + timedelta(days=days)


@blp.route("/incidents")
def incident_list():
    filters = incident_filters.parse(request.args)
    page = incident_filters.page_number(request.args)
    found, total = listing.list_incidents(
        services(), g.principal, filters, page=page, page_size=PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template(
        "incidents.html",
        # Only above the first page: further pages are for reading on in the list.
        known_errors=lookup.answering(services(), g.principal, filters.q) if page == 1 else [],
        incidents=found,
        total=total,
        filters=filters,
        args=incident_filters.query_args(filters),
        choices=incident_filters.CHOICES,
        page=page,
        pages=pages,
    )


@blp.route("/incidents.csv")
def incident_list_csv():
    filters = incident_filters.parse(request.args)
    response = Response(export.export_csv(services(), g.principal, filters), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="incidents.csv"'
    return response


@blp.route("/incidents/new", methods=["GET", "POST"])
def new_incident():
    form = NewIncidentForm()
    if request.method == "GET":
        form.submission.data = uuid.uuid4().hex
    elif form.validate_on_submit():
        command = incidents.OpenIncident(
            title=form.title.data.strip(),
            description=form.description.data,
            impact=form.impact.data or None,
            urgency=form.urgency.data or None,
            reporter_contact=(form.reporter_contact.data or "").strip() or None,
            channel=Channel.PORTAL,
        )
        try:
            view, _replayed = incidents.open_incident(
                services(), g.principal, command, idempotency_key=f"web:{form.submission.data}"
            )
        except InvalidInput as exc:
            errors, general = task_forms.errors_by_field(exc.errors)
            for name, messages in errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *messages]
            return render_template("new_incident.html", form=form, general=general), 422
        flash(_("%(number)s is open; we will keep you posted.", number=view.number), "notice")
        return redirect(url_for(".incident", number=view.number))
    else:
        return render_template("new_incident.html", form=form, general=[]), 422
    return render_template("new_incident.html", form=form, general=[])


@blp.route("/settings", methods=["GET", "POST"])
def settings():
    """The language and time zone the signed-in user reads the desk in."""
    svc = services()
    chosen = preferences.effective(svc, g.principal)
    form = SettingsForm(data={"language": chosen.language, "time_zone": chosen.time_zone})
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                preferences.update(
                    svc,
                    g.principal,
                    language=form.language.data,
                    time_zone=form.time_zone.data.strip(),
                )
            except InvalidInput as exc:
                errors, _general = task_forms.errors_by_field(exc.errors)
                for name, messages in errors.items():
                    getattr(form, name).errors = [*getattr(form, name).errors, *messages]
                status = 422
            else:
                # The next page is read with the new choice (the principal is per request).
                return redirect(url_for(".settings", saved=1))
        else:
            status = 422
    if request.args.get("saved") == "1" and request.method == "GET":
        flash(_("Saved: pages and mails now use these."), "notice")
    return render_template(
        "settings.html",
        form=form,
        now=svc.now(),
        agent=access.works_tasks(g.principal),
        away=away.is_away(svc, g.principal),
        action=ActionForm(),
    ), status


def translated_task_names(found) -> dict[str, str]:
    """Task id -> its name in the reader's language, where its form is translated."""
    language = preferences.effective(services(), g.principal).language
    return task_names.translated_names(services(), found, language)


def _queue_key(order: str, task, incident):
    """Most pressing first; tasks without an incident after those with one."""
    if order == "priority":
        return (incident.priority or "P9") if incident else "P9", task.created_at
    if order == "due":
        clock = incident.sla.resolution if incident else None
        return (clock.remaining_seconds if clock else float("inf")), task.created_at
    return (task.created_at,)
