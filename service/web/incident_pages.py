"""The incident page: facts and clocks, the conversation with its files, the timeline,
the diagram, and the agents' form to correct the facts."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import gettext as _
from markupsafe import Markup

from ..domain import access, labels
from ..domain.enums import REPORTER_LANE
from ..domain.errors import InvalidInput
from ..downloads import attachment_response
from ..services import comments, incidents, processes
from ..services.editing import facts
from ..services.mail import messages
from . import task_forms
from .auth import services
from .forms import ActionForm, CommentForm, EditIncidentForm, RelateForm
from .pages import blp, translated_task_names


@blp.route("/incidents/<number>")
def incident(number: str):
    return render_incident(number)


def render_incident(number: str, *, edit: EditIncidentForm | None = None, status: int = 200):
    """The incident page; `edit`: the correction form as sent, with its errors."""
    svc = services()
    view = incidents.get_incident(svc, g.principal, number)
    diagram = focus = None
    if view.instance is not None and access.sees_everything(g.principal):
        # Drawn on the server from the BPMN DI, every name in it escaped (see
        # service.workflow.diagram); the page's policy runs no script either way.
        picture = processes.instance_picture(svc, g.principal, view.instance.id)
        drawing = picture.svg.decode()
        # Inside HTML an XML declaration is noise.
        drawing = drawing.split("?>", 1)[1] if drawing.startswith("<?xml") else drawing
        diagram, focus = Markup(drawing), picture.focus  # noqa: S704
    # A reporter follows the other steps but can open only their own (a link to an
    # agent's task would be a 404 for them).
    workable = {
        t.id
        for t in view.open_tasks
        if access.sees_everything(g.principal)
        or (t.lane == REPORTER_LANE and view.reporter == g.principal.username)
    }
    return render_template(
        "incident.html",
        incident=view,
        events=incidents.list_events(svc, g.principal, number),
        comments=comments.list_comments(svc, g.principal, number),
        diagram=diagram,
        focus=focus,
        workable=workable,
        form=CommentForm(),
        edit=edit or (_edit_form(view) if access.may_edit_incident(g.principal) else None),
        agent=access.sees_everything(g.principal),
        task_names=translated_task_names(view.open_tasks),
        action=ActionForm(),
        relate=RelateForm() if access.may_relate_incidents(g.principal) else None,
    ), status


def edit_choices(form: EditIncidentForm) -> EditIncidentForm:
    levels = [("", _("not set"))] + [(v, gettext(n)) for v, n in labels.LEVELS.items()]
    named = [(c, gettext(labels.CATEGORIES.get(c, c))) for c in facts.CATEGORIES]
    form.category.choices = [("", _("not set")), *named]
    form.impact.choices = form.urgency.choices = levels
    return form


def _edit_form(view) -> EditIncidentForm:
    form = EditIncidentForm(
        data={
            "title": view.title,
            "category": view.category or "",
            "impact": view.impact or "",
            "urgency": view.urgency or "",
            "affected_item": view.affected_item or "",
        }
    )
    return edit_choices(form)


@blp.route("/incidents/<number>/comments", methods=["POST"])
def add_comment(number: str):
    form = CommentForm()
    files = [
        comments.Upload(f.filename or "", f.read())
        for f in request.files.getlist(form.files.name)
        if f.filename
    ]
    if not form.validate_on_submit() or not ((form.body.data or "").strip() or files):
        flash(_("A reply needs some text or a file."), "error")
        return redirect(url_for(".incident", number=number))
    try:
        # The same checks as the API's attachments: type from the bytes, size, count.
        comments.add_comment(
            services(),
            g.principal,
            number,
            form.body.data or "",
            public=not form.internal.data,
            files=files,
        )
    except InvalidInput as exc:
        for error in exc.errors or [exc]:
            flash(error.message, "error")
        return redirect(url_for(".incident", number=number) + "#conversation")
    flash(_("Your reply is on the incident."), "notice")
    return redirect(url_for(".incident", number=number) + "#conversation")


@blp.route("/incidents/<number>/edit", methods=["POST"])
def edit_incident(number: str):
    form = EditIncidentForm()
    # Any submitted value reaches the service, which checks it and says why.
    for field in (form.category, form.impact, form.urgency):
        field.choices = [(field.data or "", field.data or "")]
    if not form.validate_on_submit():
        return render_incident(number, edit=edit_choices(form), status=422)
    edit = facts.Edit(
        title=form.title.data,
        category=form.category.data or None,
        impact=form.impact.data or None,
        urgency=form.urgency.data or None,
        affected_item=form.affected_item.data or None,
    )
    try:
        view = facts.edit_incident(services(), g.principal, number, edit)
    except InvalidInput as exc:
        by_field, general = task_forms.errors_by_field(exc.errors)
        for name, messages in by_field.items():
            if name in form:
                form[name].errors = [*form[name].errors, *messages]
        for message in general:
            flash(message, "error")
        return render_incident(number, edit=edit_choices(form), status=422)
    message = _(
        "%(number)s changed; priority %(priority)s.",
        number=view.number,
        priority=view.priority or _("not set"),
    )
    flash(message, "notice")
    return redirect(url_for(".incident", number=number))


@blp.route("/incidents/<number>/attachments/<int:attachment_id>")
def attachment(number: str, attachment_id: int):
    """The API's download, signed in with the session: the same rules, the same headers."""
    view, content = comments.get_attachment(services(), g.principal, number, attachment_id)
    return attachment_response(view, content)


@blp.route("/incidents/<number>/emails/<int:email_id>")
def email(number: str, email_id: int):
    """A reply's e-mail as it arrived, quoted history and all, under the API's rules."""
    view, content = messages.original(services(), g.principal, number, email_id)
    return attachment_response(view, content)
