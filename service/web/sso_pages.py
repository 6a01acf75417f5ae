"""Single sign-on for the pages: OpenID Connect's authorization code flow with PKCE,
through Authlib's Flask client; the claims it verified go to services.sso."""

from __future__ import annotations

import logging

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from joserfc.errors import JoseError

from ..domain.errors import Conflict, Forbidden, Unauthenticated
from ..services import sign_in
from ..services.sso import identities
from . import auth
from .auth import services
from .pages import blp
from .sso_client import LOGOUT_HINT, provider

log = logging.getLogger(__name__)
# Where to go once signed in, kept in the session across the trip to the provider.
_NEXT = "sso_next"


@blp.route("/sso/login")
def sso_start():
    client = provider()
    if client is None:
        return _refused(_("Single sign-on is not set up on this desk."), 404)
    target = auth.safe_next(request.args.get("next"))
    if target:
        session[_NEXT] = target
    try:
        return client.authorize_redirect(_redirect_uri())
    except (requests.RequestException, ValueError) as exc:
        log.warning("the OpenID provider could not be reached: %s", type(exc).__name__)
        return _refused(_("The sign-in service cannot be reached just now; try again later."), 502)


@blp.route("/sso/callback")
def sso_callback():
    client = provider()
    if client is None:
        return _refused(_("Single sign-on is not set up on this desk."), 404)
    target = session.pop(_NEXT, None)
    try:
        claims, id_token = _verified_claims(client)
    except MismatchingStateError:
        log.warning("single sign-on refused: the state did not match this session's")
        return _refused(
            _(
                "This sign-in answer does not belong to a sign-in started in this browser "
                "(it was changed, used twice or is too old)."
            ),
            401,
        )
    except (OAuthError, JoseError, KeyError, ValueError) as exc:
        # The reason names the check that failed (nonce, aud, signature...), never a value.
        log.warning("single sign-on refused: %s %s", type(exc).__name__, exc)
        return _refused(_("The sign-in service's answer could not be verified."), 401)
    except requests.RequestException as exc:
        log.warning("the OpenID provider could not be reached: %s", type(exc).__name__)
        return _refused(_("The sign-in service cannot be reached just now; try again later."), 502)
    try:
        principal = identities.sign_in(services(), claims)
    except Unauthenticated as exc:
        log.warning("single sign-on refused: %s", exc.message)
        return _refused(
            _(
                "The sign-in service did not say who you are in a way the desk can use "
                "(no subject, or no user name or e-mail address)."
            ),
            401,
        )
    except Conflict:
        return _refused(
            _(
                "Your user name at the sign-in service is already used by another user of the "
                "desk; an administrator must rename one of them."
            ),
            409,
        )
    except Forbidden:
        return _refused(_("Your account at the desk is disabled; ask an administrator."), 403)
    auth.sign_in_as(principal.user_id, sign_in.SINGLE_SIGN_ON)
    session[LOGOUT_HINT] = id_token
    return redirect(target or url_for(".home"))


def _verified_claims(client) -> tuple[dict, str]:
    """The ID token's claims (signature, issuer, audience, expiry and nonce checked by
    Authlib), completed by the userinfo endpoint where the provider keeps groups."""
    settings = services().settings
    token = client.authorize_access_token(
        # Stricter than Authlib's defaults: the issuer configured here (not only the one
        # the metadata names), and this desk's client id among the audiences (not only
        # as the authorized party).
        claims_options={
            "iss": {"essential": True, "value": settings.oidc_issuer},
            "aud": {"essential": True, "value": settings.oidc_client_id},
        }
    )
    claims = token.get("userinfo")
    if not claims:
        # Without an ID token nothing says who signed in, nor for which client.
        raise ValueError("the provider sent no ID token")
    claims = dict(claims)
    endpoint = client.load_server_metadata().get("userinfo_endpoint")
    if endpoint:
        extra = client.userinfo(token=token)
        if extra.get("sub") != claims["sub"]:
            raise ValueError("userinfo names another subject than the ID token")
        claims = {**extra, **claims}
    return claims, token["id_token"]


def _redirect_uri() -> str:
    # The address registered at the provider: the desk's public one, as links in mails.
    return services().settings.public_url.rstrip("/") + url_for(".sso_callback")


def _refused(message: str, code: int):
    # No session survives a failed sign-in, nor any half of one.
    auth.sign_out()
    return render_template("error.html", message=message, code=code, sign_in_again=True), code
