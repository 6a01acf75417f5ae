"""The admins' page of people: the accounts with filters, changing groups and leads,
disabling and enabling."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.enums import Group
from ..domain.errors import InvalidInput
from ..services.people import accounts
from .auth import services
from .forms import ActionForm
from .pages import blp

_GROUPS = [g.value for g in Group]


@blp.route("/users")
def user_list():
    """Admins only (the service refuses others): filtered by group, state and text."""
    group = request.args.get("group") or None
    state = request.args.get("state") or ""
    q = (request.args.get("q") or "").strip()[:200] or None
    disabled = {"disabled": True, "active": False}.get(state)
    found = accounts.list_accounts(
        services(),
        g.principal,
        group=group if group in _GROUPS else None,
        disabled=disabled,
        q=q,
    )
    return render_template(
        "users.html",
        users=found,
        groups=_GROUPS,
        chosen={"group": group or "", "state": state, "q": q or ""},
        action=ActionForm(),
    )


@blp.route("/users/<username>/groups", methods=["POST"])
def set_user_groups(username: str):
    ActionForm().validate_on_submit() or abort(400)
    changes = {
        "groups": request.form.getlist("group"),
        "lead_of": request.form.getlist("lead"),
    }
    try:
        view = accounts.update_account(services(), g.principal, username, changes)
    except InvalidInput as exc:
        for error in exc.errors or [exc]:
            flash(error.message, "error")
    else:
        flash(_("%(user)s: groups saved.", user=view.username), "notice")
    return redirect(request.referrer or url_for(".user_list"))


@blp.route("/users/<username>/disable", methods=["POST"])
def disable_user(username: str):
    ActionForm().validate_on_submit() or abort(400)
    done = accounts.disable(services(), g.principal, username)
    flash(
        _(
            "%(user)s is disabled; %(count)s task(s) went back to their groups.",
            user=done.account.username,
            count=len(done.released_tasks),
        ),
        "notice",
    )
    return redirect(request.referrer or url_for(".user_list"))


@blp.route("/users/<username>/enable", methods=["POST"])
def enable_user(username: str):
    ActionForm().validate_on_submit() or abort(400)
    view = accounts.enable(services(), g.principal, username)
    flash(_("%(user)s may sign in again.", user=view.username), "notice")
    return redirect(request.referrer or url_for(".user_list"))
