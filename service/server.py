"""Serving HTTP: waitress for one process (the embedded default), gunicorn for several.

Waitress reads every request whole, headers and body (a large body into a
temporary file), before one of its threads takes it: a client that sends
slowly holds a connection, not a thread, and is dropped when it goes quiet.
The embedded default stands up to slow clients on its own that way.
Gunicorn's threads read their requests themselves; with several processes
(PostgreSQL) the service is meant to run behind a proxy that buffers requests
and terminates TLS (deploy/nginx.conf, docs/security.md).
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path

from gunicorn.app.base import BaseApplication

from . import instruments, logs
from .config import Settings

THREADS = 4
# A connection that sends nothing for this long is closed (waitress).
QUIET_SECONDS = 30
CONNECTIONS = 500
# The access log: the path without its query (a search may be someone's name).
_GUNICORN_ACCESS = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

access_log = logging.getLogger("incident_desk.access")


def prepare_metrics(workers: int) -> None:
    """Several gunicorn workers each count what they serve; whichever answers /metrics must
    sum them all, so each keeps its figures in files (prometheus-client's multiprocess
    mode), in PROMETHEUS_MULTIPROC_DIR or a fresh folder of this run's."""
    if workers > 1:
        chosen = instruments.multiprocess_directory()
        folder = Path(chosen) if chosen else Path(tempfile.mkdtemp(prefix="incident-desk-metrics-"))
        instruments.use_directory(folder)


def _application(settings: Settings, *, single: bool):
    from . import create_app
    from .services.operations import metrics
    from .worker import start_in_thread

    app = create_app(settings)
    services = app.extensions["incident_desk"]
    services.runtime.warm()
    if settings.is_sqlite:
        # One process serves SQLite; it also fires the timers, so the two-command
        # start (install, serve) enforces the SLAs.
        start_in_thread(services)
    if single:
        # Under gunicorn any worker answers /metrics for all (with the token) instead.
        metrics.serve_port(services)
    return app


def _worker_exited(_server, worker) -> None:
    instruments.process_ended(worker.pid)


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        # Each worker builds its own app after the fork: no engine or pool is shared.
        return _application(self._settings, single=False)


class _AccessLog:
    """One line a request, as gunicorn writes them, for the waitress server."""

    def __init__(self, app):
        self._app = app

    def __call__(self, environ, start_response):
        began = time.perf_counter()
        seen = {}

        def starting(status, headers, *args):
            seen["status"] = status.split(" ", 1)[0]
            return start_response(status, headers, *args)

        try:
            return self._app(environ, starting)
        finally:
            access_log.info(
                '%s "%s %s %s" %s %dms',
                environ.get("REMOTE_ADDR", "-"),
                environ.get("REQUEST_METHOD"),
                environ.get("PATH_INFO"),
                environ.get("SERVER_PROTOCOL"),
                seen.get("status", "-"),
                (time.perf_counter() - began) * 1000,
            )
            logs.end_request()


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    if workers == 1:
        import waitress

        from .api.incidents import attachment_room

        app = _application(settings, single=True)
        waitress.serve(
            _AccessLog(app),
            host=host,
            port=port,
            threads=THREADS,
            channel_timeout=QUIET_SECONDS,
            connection_limit=CONNECTIONS,
            # The largest body any endpoint takes; each keeps its own limit (413 above it).
            max_request_body_size=max(settings.max_body_bytes, attachment_room(settings)),
            ident="incident-desk",
        )
        return
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": THREADS,
            "accesslog": "-",
            "access_log_format": _GUNICORN_ACCESS,
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
            "child_exit": _worker_exited,
        },
    ).run()
