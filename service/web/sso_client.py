"""The desk's OpenID Connect client (Authlib's, for Flask): set up from the settings,
its provider's certificate always checked, and the way out through the provider."""

from __future__ import annotations

import logging

import requests
from authlib.integrations.flask_client import FlaskOAuth2App, OAuth
from authlib.integrations.requests_client import OAuth2Session
from flask import Flask, current_app, session

from ..services import sign_in
from ..services.context import EXTENSION as SERVICES

log = logging.getLogger(__name__)
EXTENSION = "incident_desk_sso"
PROVIDER = "idp"
# The ID token of a session made through the provider: the hint its sign-out asks for.
LOGOUT_HINT = "sso_id_token"
TIMEOUT_SECONDS = 10


class _CheckedSession(OAuth2Session):
    """requests lets REQUESTS_CA_BUNDLE (when set) replace a session's own CA file on
    every call; this session keeps INCIDENT_DESK_OIDC_CA_FILE."""

    def request(self, method, url, withhold_token=False, auth=None, **kwargs):
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)


class _ProviderApp(FlaskOAuth2App):
    client_cls = _CheckedSession


def register(app: Flask) -> None:
    """Set up the provider's client when INCIDENT_DESK_OIDC_ISSUER names one."""
    settings = app.extensions[SERVICES].settings
    if not settings.oidc_issuer:
        return
    oauth = OAuth(app)
    oauth.register(
        PROVIDER,
        client_cls=_ProviderApp,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret or None,
        server_metadata_url=settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": settings.oidc_scopes,
            "code_challenge_method": "S256",
            # The provider's certificate is always checked, against a private CA if given.
            "verify": settings.oidc_ca_file or True,
            "default_timeout": TIMEOUT_SECONDS,
        },
    )
    app.extensions[EXTENSION] = oauth


def provider():
    oauth = current_app.extensions.get(EXTENSION)
    return oauth.create_client(PROVIDER) if oauth is not None else None


def end_session_url(post_logout_redirect_uri: str) -> str | None:
    """Where to send someone signing out of a session made through the provider, so
    that it ends there too (RP-initiated logout); None when the provider has no
    end_session_endpoint or the session was not made through it."""
    client = provider()
    hint = session.get(LOGOUT_HINT)
    if client is None or not hint or session.get(sign_in.SESSION_METHOD) != sign_in.SINGLE_SIGN_ON:
        return None
    try:
        if not client.load_server_metadata().get("end_session_endpoint"):
            return None
        return client.create_logout_url(
            post_logout_redirect_uri=post_logout_redirect_uri,
            id_token_hint=hint,
            client_id=client.client_id,
        )["url"]
    except requests.RequestException as exc:
        # Signing out of the desk never waits on the provider.
        log.warning("the OpenID provider could not be reached: %s", type(exc).__name__)
        return None
