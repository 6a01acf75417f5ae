"""Benchmark: an alert storm against the HTTP server on PostgreSQL.

--alerts (default 10,000) firing alerts over --keys (default 100) dedup keys
are sent by --clients (default 16) threads, each with one keep-alive
connection, to `incident-desk serve` on a fresh PostgreSQL database. The
alerts go out in bursts: --burst consecutive alerts (default 16, one per
client) share a key, and the bursts cycle over the keys, so the first burst
of every key is a race of concurrent requests to open its incident, and the
rest attach to it.

It prints alerts per second (alerts / wall-clock seconds), the p50, p99 and
maximum latency of one request (nearest rank), what the alerts did (opened /
attached), and then checks through the API and in the database that exactly
--keys incidents exist, one alert group per key, and that the groups' counts
add up to every alert sent. Any other result is an error (exit status 1).

Every client first sends --warmup "resolved" alerts for keys nobody has
used: they run the whole request (token, validation, the key's lookup) and
are ignored, so they open nothing.

Run it from the repository root with the virtualenv's python (PostgreSQL at
--pg-url, trust auth; the database --pg-database is created and dropped again,
together with the server, whatever happens):

    .venv/bin/python bench/alerts.py
    .venv/bin/python bench/alerts.py --alerts 2000 --keys 20      # quicker
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import bounds
from lifecycle import (
    _NoDelayConnection,
    add_server_arguments,
    default_workers,
    percentile,
    run_clients,
    running_server,
)

SEVERITIES = ("critical", "error", "warning", "info")
PEOPLE = {"prometheus": (("integrator",), None, None), "adam": (("admin",), None, None)}


class Client:
    """One keep-alive HTTP connection speaking JSON."""

    def __init__(self, port: int, token: str):
        self._connection = _NoDelayConnection("127.0.0.1", port, timeout=60)
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    def call(self, method: str, path: str, body: dict | None, expect: set[int]):
        """(status, JSON body, headers)."""
        payload = json.dumps(body).encode() if body is not None else None
        self._connection.request(method, path, body=payload, headers=self._headers)
        response = self._connection.getresponse()
        text = response.read()
        if response.status not in expect:
            raise RuntimeError(f"{method} {path}: {response.status} {text[:500]!r}")
        return response.status, json.loads(text), response.headers

    def close(self) -> None:
        self._connection.close()


def alert(key_index: int, number: int, status: str = "firing") -> dict:
    return {
        "source": "prometheus",
        "check": "http_probe",
        "resource": f"https://service-{key_index:03d}.example.org",
        "severity": SEVERITIES[key_index % len(SEVERITIES)],
        "summary": f"service-{key_index:03d} answers 502 (alert {number})",
        "status": status,
        "dedup_key": f"bench-{key_index:03d}",
    }


def storm(port: int, token: str, *, alerts: int, keys: int, burst: int, clients: int, warmup: int):
    """(elapsed seconds, latencies, outcomes): the alerts are handed out in order from
    one shared counter, so each burst's requests are in flight together."""
    plan = [((number // burst) % keys, number) for number in range(alerts)]
    next_index = iter(range(len(plan)))
    take = threading.Lock()
    latencies: list[list[float]] = [[] for _ in range(clients)]
    outcomes: list[Counter] = [Counter() for _ in range(clients)]
    connections = [Client(port, token) for _ in range(clients)]

    def warm(index: int) -> None:
        for number in range(warmup):
            cold = alert(keys + index, number, status="resolved")
            _, body, _ = connections[index].call("POST", "/api/alerts", cold, {200})
            if body["outcome"] != "ignored":
                raise RuntimeError(f"warm-up alert was {body['outcome']}")

    def measure(index: int) -> None:
        while True:
            with take:
                position = next(next_index, None)
            if position is None:
                return
            bounds.progress(position, alerts, "alerts sent")
            key_index, number = plan[position]
            started = time.perf_counter()
            _, body, _ = connections[index].call(
                "POST", "/api/alerts", alert(key_index, number), {200, 201}
            )
            latencies[index].append(time.perf_counter() - started)
            outcomes[index][body["outcome"]] += 1

    try:
        elapsed = run_clients(clients, warm, measure)
    finally:
        for connection in connections:
            connection.close()
    return elapsed, [x for values in latencies for x in values], sum(outcomes, Counter())


def verify(port: int, token: str, url: str, *, alerts: int, keys: int) -> dict:
    """What the storm left, through the API and in the database; raises unless it is
    exactly one incident and one alert group per key, with every alert counted."""
    from sqlalchemy import create_engine, text

    client = Client(port, token)
    try:
        _, _, headers = client.call("GET", "/api/incidents?page_size=1", None, {200})
        api_incidents = json.loads(headers["X-Pagination"])["total"]
        groups = []
        page = 1
        while True:
            _, body, _ = client.call("GET", f"/api/alerts?page_size=100&page={page}", None, {200})
            groups += body
            if len(body) < 100:
                break
            page += 1
    finally:
        client.close()
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            db_incidents = connection.execute(text("SELECT count(*) FROM incidents")).scalar()
            monitoring = connection.execute(
                text("SELECT count(*) FROM incidents WHERE channel = 'monitoring'")
            ).scalar()
    finally:
        engine.dispose()
    found = {
        "incidents (API)": api_incidents,
        "incidents (database)": db_incidents,
        "monitoring incidents": monitoring,
        "alert groups": len(groups),
        "distinct incidents of the groups": len({g["incident_number"] for g in groups}),
        "alerts counted by the groups": sum(g["count"] for g in groups),
    }
    expected = dict.fromkeys(found, keys) | {"alerts counted by the groups": alerts}
    for name, value in found.items():
        if value != expected[name]:
            raise RuntimeError(f"{name}: {value}, expected exactly {expected[name]}")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--alerts", type=int, default=10_000, help="firing alerts to send")
    parser.add_argument("--keys", type=int, default=100, help="distinct dedup keys")
    parser.add_argument("--clients", type=int, default=16, help="concurrent HTTP clients")
    parser.add_argument("--burst", type=int, default=16, help="consecutive alerts per key")
    parser.add_argument("--warmup", type=int, default=10, help="ignored alerts per client first")
    add_server_arguments(parser, database="incident_desk_alerts_bench")
    bounds.add_option(parser, default=1800)
    args = parser.parse_args(argv)
    if min(args.alerts, args.keys, args.clients, args.burst) < 1 or args.warmup < 0:
        parser.error("--alerts, --keys, --clients and --burst must be positive")
    if args.alerts < args.keys:
        parser.error("--alerts must be at least --keys, or some keys get no alert")
    if "bench" not in args.pg_database:
        parser.error("--pg-database is dropped and re-created: its name must contain 'bench'")

    # A plain `kill` must still stop the server and drop the database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    bounds.arm(args.max_seconds)
    load_at_start = os.getloadavg()
    workers = args.workers or default_workers()
    bounds.stage(f"a fresh database and `incident-desk serve` with {workers} gunicorn workers")
    with running_server(
        workers=args.workers, pg_url=args.pg_url, database=args.pg_database, people=PEOPLE
    ) as (
        port,
        tokens,
        url,
    ):
        bounds.stage(
            f"{args.alerts} alerts over {args.keys} keys in bursts of {args.burst}, "
            f"{args.clients} clients"
        )
        elapsed, latencies, outcomes = storm(
            port,
            tokens["prometheus"],
            alerts=args.alerts,
            keys=args.keys,
            burst=args.burst,
            clients=args.clients,
            warmup=args.warmup,
        )
        bounds.stage("checking the incidents and alert groups")
        found = verify(port, tokens["adam"], url, alerts=args.alerts, keys=args.keys)

    print()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, machine: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )
    print("load average at start (1/5/15 min): " + " ".join(f"{x:.2f}" for x in load_at_start))
    print(f"server: PostgreSQL, {workers} gunicorn workers x 4 threads; {args.clients} clients")
    print()
    print(f"alerts/s: {len(latencies) / elapsed:.1f} ({len(latencies)} alerts in {elapsed:.2f} s)")
    print(
        f"latency per alert: p50 {percentile(latencies, 50) * 1000:.1f} ms, "
        f"p99 {percentile(latencies, 99) * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
    )
    print("outcomes: " + ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())))
    if outcomes != Counter(opened=args.keys, attached=args.alerts - args.keys):
        raise RuntimeError(f"expected {args.keys} opened and the rest attached: {outcomes}")
    for name, value in found.items():
        print(f"{name}: {value}")
    print(f"check: exactly {args.keys} incidents, every alert counted -> OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
