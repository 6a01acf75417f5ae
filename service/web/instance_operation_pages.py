"""The instance page's buttons for ops' operations: suspend, resume, terminate,
retry, reset (its points' data shown before confirming) and retiring the version,
each with the reason the audit trail keeps (process owners and admins)."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..domain.errors import DomainError, Forbidden, NotFound
from ..services import instances, processes
from .auth import services
from .forms import ActionForm
from .instance_pages import require_cockpit
from .pages import blp

OPERATIONS = {
    "suspend": (
        instances.suspend,
        _l("Suspended: its timers wait and its tasks cannot be completed."),
    ),
    "resume": (instances.resume, _l("Resumed: timers that fell due meanwhile fire now.")),
    "terminate": (instances.terminate, _l("Terminated: its tasks and timers are gone.")),
    "retry": (instances.retry, _l("Retried.")),
}


def _reason() -> str:
    return (request.form.get("reason") or "")[:2000]


def _back(instance_id: int):
    return redirect(url_for(".instance_page", instance_id=instance_id))


@blp.route(
    "/instances/<int:instance_id>/<any(suspend, resume, terminate, retry):operation>",
    methods=["POST"],
)
def operate_instance(instance_id: int, operation: str):
    require_cockpit()
    ActionForm().validate_on_submit() or abort(400)
    run, done = OPERATIONS[operation]
    try:
        run(services(), g.principal, instance_id, _reason())
    except (Forbidden, NotFound):
        raise
    except DomainError as refused:
        flash(refused.message, "error")
        return _back(instance_id)
    flash(str(done), "notice")
    return _back(instance_id)


@blp.route("/instances/<int:instance_id>/reset")
def reset_page(instance_id: int):
    """The completed steps it can go back to, each with the data it had then."""
    require_cockpit()
    svc = services()
    view = processes.get_instance(svc, g.principal, instance_id)
    points = instances.reset_points(svc, g.principal, instance_id)
    return render_template("instance_reset.html", instance=view, points=points, action=ActionForm())


@blp.route("/instances/<int:instance_id>/reset", methods=["POST"])
def reset_instance(instance_id: int):
    require_cockpit()
    ActionForm().validate_on_submit() or abort(400)
    task_id = (request.form.get("task") or "")[:36]
    try:
        instances.reset(services(), g.principal, instance_id, task_id, _reason())
    except (Forbidden, NotFound):
        raise
    except DomainError as refused:
        flash(refused.message, "error")
        return redirect(url_for(".reset_page", instance_id=instance_id))
    flash(_("Moved back; it runs on from that step."), "notice")
    return _back(instance_id)


@blp.route("/instances/<int:instance_id>/retire-version", methods=["POST"])
def retire_instance_version(instance_id: int):
    """Retires the version this instance runs on: no new starts, running ones finish."""
    require_cockpit()
    ActionForm().validate_on_submit() or abort(400)
    svc = services()
    view = processes.get_instance(svc, g.principal, instance_id)
    try:
        instances.retire_version(svc, g.principal, view.process_id, view.version, _reason())
    except (Forbidden, NotFound):
        raise
    except DomainError as refused:
        flash(refused.message, "error")
        return _back(instance_id)
    flash(
        _(
            "Version %(version)s of %(process)s is retired: no new instance starts on it.",
            version=view.version,
            process=view.process_id,
        ),
        "notice",
    )
    return _back(instance_id)
