"""The pages: sign-in, the queue, incidents, an incident with its timeline."""

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
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ..domain import access
from ..domain.enums import Channel
from ..domain.errors import (
    DomainError,
    InvalidInput,
    TooManyAttempts,
    Unauthenticated,
    http_status,
)
from ..services import comments, incidents, processes, reports, sign_in, tasks
from ..services.search import export, listing, solutions
from ..services.tasks import TaskFilter
from . import auth, charts, incident_filters, task_forms
from .auth import services
from .forms import ActionForm, CommentForm, NewIncidentForm, PeriodForm, SignInForm

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
    message = "Something went wrong on our side; it has been logged. Nothing was changed."
    return render_template("error.html", message=message, code=500), 500


@blp.errorhandler(CSRFError)
def _stale_form(exc: CSRFError):
    message = "The form was too old or came from elsewhere; reload the page and try again."
    return render_template("error.html", message=message, code=400), 400


@blp.after_request
def _page_policy(response):
    # Nothing but our own styles; no script at all, no framing.
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


@blp.app_template_filter("when")
def _when(value) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


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


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    if request.args.get("expired") == "1" and request.method == "GET":
        flash("Your session ended; please sign in again.", "notice")
    if form.validate_on_submit():
        try:
            principal = sign_in.check_password(
                services(), form.username.data, form.password.data, request.remote_addr
            )
        except Unauthenticated as exc:
            form.password.errors.append(exc.message)
            return render_template("login.html", form=form), 401
        except TooManyAttempts as exc:
            form.password.errors.append(exc.message)
            page = render_template("login.html", form=form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        auth.sign_in_as(principal.user_id)
        return redirect(auth.safe_next(request.args.get("next")) or url_for(".home"))
    return render_template("login.html", form=form), 200 if request.method == "GET" else 400


@blp.route("/logout", methods=["POST"])
def logout():
    auth.sign_out()
    flash("Signed out.", "notice")
    return redirect(url_for(".login"))


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
    return render_template(
        "queue.html",
        tasks=found,
        total=total,
        incidents=by_number,
        mine=mine,
        lane=lane,
        order=order,
        lanes=sorted(g.principal.groups & {"L1", "L2", "L3", "privacy"}),
        action=ActionForm(),
    )


@blp.route("/tasks/<task_id>/claim", methods=["POST"])
def claim(task_id: str):
    return _task_button(tasks.claim_task, task_id, "You took {name} of {incident}.")


@blp.route("/tasks/<task_id>/release", methods=["POST"])
def release(task_id: str):
    return _task_button(tasks.release_task, task_id, "You gave back {name}.")


def _task_button(action, task_id: str, message: str):
    ActionForm().validate_on_submit() or abort(400)
    task = action(services(), g.principal, task_id)
    flash(message.format(name=task.name, incident=task.incident_number or "the process"), "notice")
    return redirect(request.referrer or url_for(".queue"))


@blp.route("/tasks/<task_id>", methods=["GET", "POST"])
def task(task_id: str):
    svc = services()
    detail = solutions.task_detail(svc, g.principal, task_id)
    if detail.task.state != "ready":
        flash(f"{detail.task.name} is already {detail.task.state}.", "notice")
        return _after_task(detail)
    values, errors, general, status = detail.data, {}, [], 200
    if request.method == "POST":
        ActionForm().validate_on_submit() or abort(400)
        submitted = task_forms.parse(detail.form_schema, request.form)
        try:
            tasks.complete_task(svc, g.principal, task_id, submitted)
        except InvalidInput as exc:
            # What was typed stays; each message goes next to its field.
            values = {**detail.data, **submitted}
            errors, general = task_forms.errors_by_field(exc.errors)
            general = general or ([] if errors else [exc.message])
            status = 422
        else:
            flash(f"{detail.task.name} done.", "notice")
            return _after_task(detail)
    fields = task_forms.build(detail.form_schema, detail.ui_schema, values, errors)
    return render_template(
        "task.html",
        detail=detail,
        fields=fields,
        general=general,
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
    longest = max([h for _, h in hours if h is not None] + [24.0])
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
                "Median hours to resolve, by priority",
                hours,
                unit="h",
                limit=longest * 1.1,
                mark=24,
                mark_label="24 h promise",
            )
        ),
        response_chart=Markup(  # noqa: S704 - as above
            charts.bars("First responses within target, by priority", shares, unit="%", limit=100)
        ),
    )


@blp.route("/overview.csv")
def overview_csv():
    svc = services()
    _, start, end = _period(svc)
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
            view, _ = incidents.open_incident(
                services(), g.principal, command, idempotency_key=f"web:{form.submission.data}"
            )
        except InvalidInput as exc:
            errors, general = task_forms.errors_by_field(exc.errors)
            for name, messages in errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, *messages]
            return render_template("new_incident.html", form=form, general=general), 422
        flash(f"{view.number} is open; we will keep you posted.", "notice")
        return redirect(url_for(".incident", number=view.number))
    else:
        return render_template("new_incident.html", form=form, general=[]), 422
    return render_template("new_incident.html", form=form, general=[])


@blp.route("/incidents/<number>")
def incident(number: str):
    svc = services()
    view = incidents.get_incident(svc, g.principal, number)
    diagram = None
    if view.instance is not None and access.sees_everything(g.principal):
        # Drawn on the server from the BPMN DI, every name in it escaped (see
        # service.workflow.diagram); the page's policy runs no script either way.
        drawing = processes.instance_diagram(svc, g.principal, view.instance.id).decode()
        # Inside HTML an XML declaration is noise.
        drawing = drawing.split("?>", 1)[1] if drawing.startswith("<?xml") else drawing
        diagram = Markup(drawing)  # noqa: S704
    return render_template(
        "incident.html",
        incident=view,
        events=incidents.list_events(svc, g.principal, number),
        comments=comments.list_comments(svc, g.principal, number),
        diagram=diagram,
        form=CommentForm(),
        agent=access.sees_everything(g.principal),
    )


@blp.route("/incidents/<number>/comments", methods=["POST"])
def add_comment(number: str):
    form = CommentForm()
    if not form.validate_on_submit():
        flash("A reply needs some text.", "error")
        return redirect(url_for(".incident", number=number))
    comments.add_comment(
        services(), g.principal, number, form.body.data, public=not form.internal.data
    )
    flash("Your reply is on the incident.", "notice")
    return redirect(url_for(".incident", number=number) + "#conversation")


def _queue_key(order: str, task, incident):
    """Most pressing first; tasks without an incident after those with one."""
    if order == "priority":
        return (incident.priority or "P9") if incident else "P9", task.created_at
    if order == "due":
        clock = incident.sla.resolution if incident else None
        return (clock.remaining_seconds if clock else float("inf")), task.created_at
    return (task.created_at,)
