"""Benchmark: what the web pages' machinery costs an API request.

The web blueprint adds a session interface, CSRF protection (the API is
exempt) and a request hook to every request, the API's included. Two
applications in this process, on one SQLite file: the service as built, and
the same without `service.web.register`. Rounds alternate between them; each
round times --requests `GET /api/me` (a token lookup and a small answer, so
the fixed per-request cost shows) through Flask's test client. Prints the
median per request of each and their ratio. Nothing is asserted.

    .venv/bin/python bench/web_layer.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import bounds

from service import create_app
from service.config import Settings
from service.db import Database
from service.services import users


def client(url: str, *, with_web: bool):
    settings = Settings(database_url=url, modeler_check=False)
    if with_web:
        app = create_app(settings)
    else:
        with mock.patch("service.web.register"):
            app = create_app(settings)
    return app.test_client()


def timed(test_client, headers, requests: int) -> float:
    started = time.perf_counter()
    for _ in range(requests):
        answer = test_client.get("/api/me", headers=headers)
        if answer.status_code != 200:
            raise RuntimeError(f"GET /api/me answered {answer.status_code}")
    return (time.perf_counter() - started) / requests * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per round")
    parser.add_argument("--rounds", type=int, default=7, help="alternating rounds")
    bounds.add_option(parser, default=600)
    args = parser.parse_args(argv)
    bounds.arm(args.max_seconds)
    bounds.stage("a fresh database, an app with the web pages and one without")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        Database(url).upgrade()
        clients = {"with web": client(url, with_web=True), "API only": client(url, with_web=False)}
        svc = clients["with web"].application.extensions["incident_desk"]
        users.add_user(svc, "alice", groups=["L1"])
        headers = {"Authorization": f"Bearer {users.create_token(svc, 'alice')[1]}"}
        for test_client in clients.values():
            timed(test_client, headers, args.requests // 5)  # warm-up
        rounds: dict[str, list[float]] = {name: [] for name in clients}
        for number in range(args.rounds):
            bounds.stage(f"round {number + 1} of {args.rounds}, {args.requests} requests each way")
            for name, test_client in clients.items():
                rounds[name].append(timed(test_client, headers, args.requests))
    print(" ".join(["command: .venv/bin/python bench/web_layer.py", *(argv or sys.argv[1:])]))
    medians = {name: statistics.median(values) for name, values in rounds.items()}
    for name, value in medians.items():
        print(f"{name:9} {value:.3f} ms per GET /api/me (median of {args.rounds} rounds)")
    print(f"with web / API only: {medians['with web'] / medians['API only']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
