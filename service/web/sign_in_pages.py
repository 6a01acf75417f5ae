"""Signing in to the pages and out: passwords kept by the desk and, when set up, the
way to the OpenID provider (sso_pages)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..domain.errors import TooManyAttempts, Unauthenticated
from ..services import sign_in
from . import auth, sso_client
from .auth import services
from .forms import SignInForm
from .pages import blp


@blp.route("/login", methods=["GET", "POST"])
def login():
    form = SignInForm()
    if request.args.get("expired") == "1" and request.method == "GET":
        flash(_("Your session ended; please sign in again."), "notice")
    if request.method == "POST" and not services().settings.local_passwords:
        refusal = _("Passwords are not used on this desk; sign in with the button above.")
        return _login_page(form, refusal), 403
    if form.validate_on_submit():
        try:
            principal = sign_in.check_password(
                services(), form.username.data, form.password.data, request.remote_addr
            )
        except Unauthenticated as exc:
            form.password.errors.append(exc.message)
            return _login_page(form), 401
        except TooManyAttempts as exc:
            form.password.errors.append(exc.message)
            page = _login_page(form)
            return page, 429, {"Retry-After": str(exc.retry_after)}
        auth.sign_in_as(principal.user_id)
        return redirect(auth.safe_next(request.args.get("next")) or url_for(".home"))
    return _login_page(form), 200 if request.method == "GET" else 400


def _login_page(form: SignInForm, refusal: str | None = None) -> str:
    settings = services().settings
    return render_template(
        "login.html",
        form=form,
        refusal=refusal,
        passwords=settings.local_passwords,
        single_sign_on=settings.oidc_name if settings.oidc_issuer else None,
        next=auth.safe_next(request.args.get("next")),
    )


@blp.route("/logout", methods=["POST"])
def logout():
    back = services().settings.public_url.rstrip("/") + url_for(".login")
    at_provider = sso_client.end_session_url(back)
    auth.sign_out()
    if at_provider:
        return redirect(at_provider)
    flash(_("Signed out."), "notice")
    return redirect(url_for(".login"))
