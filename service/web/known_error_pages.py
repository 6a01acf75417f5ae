"""The agents' page of known errors: the list with its filters, marking one fixed or
open again, and recording one from a resolved incident."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.enums import KnownErrorStatus
from ..services.known_errors import records
from .auth import services
from .forms import ActionForm
from .incident_filters import page_number
from .pages import blp

PAGE_SIZE = 25
_STATUSES = [s.value for s in KnownErrorStatus]


@blp.route("/known-errors")
def known_error_list():
    """Agents only (the service refuses others)."""
    status = request.args.get("status") or ""
    q = (request.args.get("q") or "").strip()[:200]
    category = (request.args.get("category") or "").strip()[:64]
    page = page_number(request.args)
    found, total = records.list_known_errors(
        services(),
        g.principal,
        status=status if status in _STATUSES else None,
        category=category or None,
        text=q or None,
        page=page,
        page_size=PAGE_SIZE,
    )
    chosen = {"status": status, "q": q, "category": category}
    return render_template(
        "known_errors.html",
        known_errors=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        chosen=chosen,
        args={name: value for name, value in chosen.items() if value},
        statuses=_STATUSES,
        action=ActionForm(),
    )


@blp.route("/known-errors/<int:known_error_id>/status", methods=["POST"])
def set_known_error_status(known_error_id: int):
    """Fixed tells the reporters of its linked incidents not yet closed."""
    ActionForm().validate_on_submit() or abort(400)
    status = request.form.get("status", "")
    if status not in _STATUSES:
        abort(400)
    view = records.update_known_error(services(), g.principal, known_error_id, {"status": status})
    if view.status == KnownErrorStatus.FIXED:
        flash(_("Marked fixed; the reporters of its open incidents are told."), "notice")
    else:
        flash(_("Open again."), "notice")
    return redirect(url_for(".known_error_list", _anchor=f"ke-{view.id}"))


@blp.route("/incidents/<number>/known-error", methods=["POST"])
def record_known_error(number: str):
    """The incident's title as the symptom, its resolution as the workaround."""
    ActionForm().validate_on_submit() or abort(400)
    view = records.create_from_incident(services(), g.principal, number)
    flash(
        _("Recorded as a known error; it is shown first at triage of incidents like it."), "notice"
    )
    return redirect(url_for(".known_error_list", _anchor=f"ke-{view.id}"))
