"""The incident page's buttons for related incidents: follow, part of, merge into."""

from __future__ import annotations

from flask import flash, g, redirect, url_for
from flask_babel import gettext as _

from ..domain.errors import Conflict, Forbidden, InvalidInput
from ..services.related import following, links, merging
from .auth import services
from .forms import ActionForm, RelateForm
from .pages import blp

# What the services refuse with a reason the person can act on; the page says it.
_REFUSALS = (Conflict, Forbidden, InvalidInput)


def _back(number: str):
    return redirect(url_for(".incident", number=number) + "#related")


@blp.route("/incidents/<number>/follow", methods=["POST"])
def follow(number: str):
    if ActionForm().validate_on_submit():
        following.follow(services(), g.principal, number, g.principal.user_id)
        flash(_("You follow this incident: you are told about it as its reporter is."), "notice")
    return _back(number)


@blp.route("/incidents/<number>/unfollow", methods=["POST"])
def unfollow(number: str):
    if ActionForm().validate_on_submit():
        try:
            following.unfollow(services(), g.principal, number, g.principal.user_id)
        except Conflict as exc:
            flash(exc.message, "error")
        else:
            flash(_("You no longer follow this incident."), "notice")
    return _back(number)


@blp.route("/incidents/<number>/parent", methods=["POST"])
def link_parent(number: str):
    form = RelateForm()
    if not form.validate_on_submit():
        flash(_("Give the number of the incident this one is part of."), "error")
        return _back(number)
    try:
        links.link_parent(services(), g.principal, number, form.number.data.strip())
    except _REFUSALS as exc:
        flash(exc.message, "error")
    else:
        flash(
            _("Linked: resolving %(parent)s resolves this one.", parent=form.number.data), "notice"
        )
    return _back(number)


@blp.route("/incidents/<number>/parent/remove", methods=["POST"])
def unlink_parent(number: str):
    if ActionForm().validate_on_submit():
        try:
            links.unlink_parent(services(), g.principal, number)
        except _REFUSALS as exc:
            flash(exc.message, "error")
    return _back(number)


@blp.route("/incidents/<number>/merge", methods=["POST"])
def merge(number: str):
    form = RelateForm()
    if not form.validate_on_submit():
        flash(_("Give the number of the incident this one duplicates."), "error")
        return _back(number)
    try:
        merging.merge(services(), g.principal, number, form.number.data.strip())
    except _REFUSALS as exc:
        flash(exc.message, "error")
    else:
        flash(_("Closed as a duplicate of %(into)s.", into=form.number.data), "notice")
    return _back(number)
