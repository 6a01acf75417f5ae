"""The satisfaction survey's public page, `/survey/<token>`: no sign-in, the signed
link is the authority. Reading a link records nothing (mail scanners fetch links);
the page's confirm button posts the rating, and a comment may follow once.

Cross-site posts are refused by origin (as on every page); there is no session,
so no CSRF token: the unguessable link in the URL already proves the mail was read.
"""

from __future__ import annotations

from flask import Blueprint, abort, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import refresh

from ..domain.errors import DomainError, Gone, InvalidInput, NotFound, http_status
from ..services.survey import answers, links
from . import headers
from .auth import same_origin, services

blp = Blueprint("survey", __name__)
MAX_TOKEN = 400


@blp.before_request
def _no_session():
    g.principal = None
    if request.method == "POST" and not same_origin():
        abort(403, description=_("The form was sent from another site; it was not taken."))


@blp.after_request
def _page_policy(response):
    headers.guard(response)
    # The link is a credential: never in another site's logs, never in a cache.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.errorhandler(DomainError)
def _refused(exc: DomainError):
    if isinstance(exc, answers.AlreadyAnswered):
        return _render(request.view_args["token"], exc.page, first_stands=True), 409
    code = http_status(exc)
    if isinstance(exc, Gone):
        message = _("This survey has expired. Thank you all the same.")
    elif isinstance(exc, NotFound):
        message = _("This survey link is not valid. Please use the link from the mail as it is.")
    else:
        message = exc.message
    return render_template("survey_closed.html", message=message, code=code), code


@blp.route("/survey/<token>", methods=["GET"])
def show(token: str):
    return _render(token, answers.show(services(), _checked(token)))


@blp.route("/survey/<token>", methods=["POST"])
def confirm(token: str):
    score = request.form.get("score", "")
    if score not in {str(s) for s in links.SCORES}:
        page = answers.show(services(), _checked(token))
        return _render(token, page, error=_("Choose one of the answers.")), 422
    try:
        answers.answer(services(), _checked(token), int(score), request.form.get("comment"))
    except InvalidInput as exc:
        page = answers.show(services(), token)
        return _render(token, page, error=exc.message), 422
    return redirect(url_for(".show", token=token), code=303)


@blp.route("/survey/<token>/comment", methods=["POST"])
def comment(token: str):
    try:
        answers.add_comment(services(), _checked(token), request.form.get("comment"))
    except InvalidInput as exc:
        page = answers.show(services(), token)
        return _render(token, page, error=exc.message), 422
    return redirect(url_for(".show", token=token), code=303)


def _checked(token: str) -> str:
    if len(token) > MAX_TOKEN:
        raise NotFound("this survey link is not valid")
    return token


def _render(token: str, page: answers.SurveyPage, *, error: str | None = None, first_stands=False):
    # In the reporter's own language when they chose one, not the mail client's.
    g.page_language = page.language
    refresh()
    return render_template(
        "survey.html",
        token=token,
        page=page,
        scores=links.SCORES,
        error=error,
        first_stands=first_stands,
    )
