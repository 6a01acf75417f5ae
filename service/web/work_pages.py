"""The pages for handing work over and following it: assigning a task, and one's
notifications with the unread badge in the header."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain import labels
from ..domain.errors import InvalidInput
from ..services import notifications
from ..services.assignment import automatic, away, handover
from .auth import services
from .forms import ActionForm
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
        message = _(
            "%(task)s of %(incident)s is with %(who)s.",
            task=task.name,
            incident=task.incident_number or _("the process"),
            who=task.claimed_by or _("the group"),
        )
        flash(message, "notice")
    return redirect(request.referrer or url_for(".queue"))


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


@blp.route("/groups")
def group_rules():
    """How each group's tasks are handed out: admins change it, leads read their own."""
    return render_template(
        "groups.html",
        rules=automatic.list_rules(services(), g.principal),
        modes=[(mode, labels.ASSIGNMENT_MODES[mode]) for mode in automatic.MODES],
        action=ActionForm(),
    )


@blp.route("/groups/<group>/assignment", methods=["POST"])
def set_group_rule(group: str):
    ActionForm().validate_on_submit() or abort(400)
    rule = automatic.set_rule(services(), g.principal, group, request.form.get("mode", ""))
    mode = _(labels.ASSIGNMENT_MODES[rule.mode])
    flash(_("%(group)s: tasks go %(mode)s.", group=rule.group, mode=mode), "notice")
    return redirect(url_for(".group_rules"))


@blp.route("/settings/away", methods=["POST"])
def set_away():
    """An agent says they are away (leave, sick, off shift) or back."""
    ActionForm().validate_on_submit() or abort(400)
    marked = away.set_away(
        services(), g.principal, g.principal.username, request.form.get("away") == "1"
    )
    if marked.away:
        flash(_("You are away: tasks are not handed to you automatically."), "notice")
    else:
        flash(_("Welcome back: tasks are handed to you again."), "notice")
    return redirect(url_for(".settings"))
