"""Production HTTP serving with gunicorn, configured from code."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from .config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from . import create_app
        from .worker import start_in_thread

        # Each worker builds its own app after the fork: no engine or pool is shared.
        app = create_app(self._settings)
        app.extensions["incident_desk"].runtime.warm()
        if self._settings.is_sqlite:
            # One process serves SQLite; it also fires the timers, so the
            # two-command start (install, serve) enforces the SLAs.
            start_in_thread(app.extensions["incident_desk"])
        return app


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    _Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": 4,
            "accesslog": "-",
            # The path without its query: a search (?text=...) may be someone's name.
            "access_log_format": '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms',
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 20,
        },
    ).run()
