"""Who is signed in: the session cookie names a user; pages need one."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface

from ..services import sign_in
from ..services.context import EXTENSION, Services

BLUEPRINT = "web"
# Pages that work without signing in.
OPEN_ENDPOINTS = frozenset(
    f"{BLUEPRINT}.{name}" for name in ("login", "static", "favicon", "sso_start", "sso_callback")
)
USER_KEY = sign_in.SESSION_USER
EPOCH_KEY = sign_in.SESSION_EPOCH
# Probes must answer while the database (which holds the session key) is down. The
# session opens before the URL is matched, so they are known by their paths.
PROBE_PATHS = frozenset({"/health", "/ready", "/metrics"})


def services() -> Services:
    return current_app.extensions[EXTENSION]


class _SessionInterface(SecureCookieSessionInterface):
    """Signed cookies with the key kept in the database, fetched on first use (the
    session opens before any request hook runs, and not at import or app creation,
    which must work before the database is migrated)."""

    def open_session(self, app: Flask, request):
        if request.path in PROBE_PATHS:
            return self.null_session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            app.secret_key = sign_in.session_key(app.extensions[EXTENSION])
        return super().get_signing_serializer(app)


def register(app: Flask) -> None:
    app.session_interface = _SessionInterface()

    @app.before_request
    def _web_session():
        if request.blueprint != BLUEPRINT:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS") and not same_origin():
            # Next to the CSRF token: a form posted from another site is refused even
            # when its token is valid (one leaked in a page, or a subdomain's).
            abort(403, description="The form was sent from another site; it was not taken.")
        user_id = session.get(USER_KEY)
        g.principal = (
            sign_in.principal_of(
                services(),
                user_id,
                session.get(sign_in.SESSION_METHOD),
                session.get(EPOCH_KEY, 0),
            )
            if user_id
            else None
        )
        if g.principal is None and request.endpoint not in OPEN_ENDPOINTS:
            expired = user_id is not None or request.method == "POST"
            session.clear()
            return redirect(
                url_for(
                    f"{BLUEPRINT}.login", next=request.full_path.rstrip("?"), expired=int(expired)
                )
            )
        return None


def same_origin() -> bool:
    """Whether Origin (or, without it, Referer) names this site; a request with neither
    passes on its CSRF token alone (some browsers and privacy tools send none)."""
    sent = request.headers.get("Origin") or request.headers.get("Referer")
    if not sent:
        return True
    ours = {_origin(request.host_url), _origin(services().settings.public_url)}
    # "null" (a sandboxed frame, a redirect from elsewhere) is no origin of ours.
    return sent != "null" and _origin(sent) in ours


def _origin(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        return None
    return parts.scheme.lower(), f"{(parts.hostname or '').lower()}:{port}"


def sign_in_as(user_id: int, method: str = sign_in.PASSWORD) -> None:
    # A fresh session: nothing from before signing in carries over (fixation).
    session.clear()
    session[USER_KEY] = user_id
    session[EPOCH_KEY] = sign_in.session_epoch(services(), user_id)
    session[sign_in.SESSION_METHOD] = method
    session.permanent = True


def sign_out() -> None:
    session.clear()


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: a sign-in link must not send people elsewhere."""
    if not target:
        return None
    parts = urlsplit(target)
    # Browsers read a backslash as a slash: "/\\evil.example" is "//evil.example".
    if parts.scheme or parts.netloc or not target.startswith("/") or "\\" in target:
        return None
    if target.startswith("//"):
        return None
    return target
