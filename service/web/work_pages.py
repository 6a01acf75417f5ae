"""The pages for handing work over and following it: assigning a task, correcting an
incident's facts, downloading attachments, and one's notifications with the header badge."""

from __future__ import annotations

import io

from flask import abort, flash, g, redirect, render_template, request, send_file, url_for

from ..domain.errors import InvalidInput
from ..services import comments, notifications
from ..services.assignment import handover
from ..services.editing import facts
from .auth import services
from .forms import ActionForm, EditIncidentForm
from .pages import blp

NOTIFICATIONS_SHOWN = 50


@blp.app_context_processor
def _unread_badge():
    principal = g.get("principal")
    if principal is None:
        return {}
    return {"unread_notifications": notifications.unread_count(services(), principal)}


@blp.route("/tasks/<task_id>/assign", methods=["POST"])
def assign(task_id: str):
    ActionForm().validate_on_submit() or abort(400)
    chosen = (request.form.get("user") or "").strip() or None
    try:
        task = handover.assign_task(services(), g.principal, task_id, chosen)
    except InvalidInput as exc:
        for error in exc.errors or [exc]:
            flash(error.message, "error")
    else:
        who = task.claimed_by or "the group"
        flash(f"{task.name} of {task.incident_number or 'the process'} is with {who}.", "notice")
    return redirect(request.referrer or url_for(".queue"))


@blp.route("/incidents/<number>/edit", methods=["POST"])
def edit_incident(number: str):
    form = EditIncidentForm()
    # The choices are the service's to check; any submitted value reaches it.
    for field in (form.category, form.impact, form.urgency):
        field.choices = [(field.data, field.data)] if field.data else [("", "")]
    if not form.validate_on_submit():
        for name, messages in form.errors.items():
            for message in messages:
                flash(f"{getattr(form, name).label.text}: {message}", "error")
        return redirect(url_for(".incident", number=number) + "#edit")
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
        for error in exc.errors or [exc]:
            flash(error.message, "error")
        return redirect(url_for(".incident", number=number) + "#edit")
    flash(f"{view.number} changed; priority {view.priority or 'not set'}.", "notice")
    return redirect(url_for(".incident", number=number))


@blp.route("/incidents/<number>/attachments/<int:attachment_id>")
def attachment(number: str, attachment_id: int):
    """The API's download, signed in with the session: the same rules, the same headers."""
    view, content = comments.get_attachment(services(), g.principal, number, attachment_id)
    response = send_file(
        io.BytesIO(content),
        mimetype=view.content_type,
        as_attachment=True,
        download_name=view.filename,
        etag=view.sha256,
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@blp.route("/notifications")
def notification_list():
    """Showing them is reading them: the ones addressed to you by name are marked read."""
    svc = services()
    found, total = notifications.list_notifications(
        svc, g.principal, page=1, page_size=NOTIFICATIONS_SHOWN
    )
    notifications.mark_read(
        svc, g.principal, [n.id for n in found if n.recipient == g.principal.username]
    )
    return render_template(
        "notifications.html",
        notifications=found,
        total=total,
        unread_notifications=notifications.unread_count(svc, g.principal),
    )
