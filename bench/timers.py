"""Benchmark: finding and firing due timers on PostgreSQL.

Three measurements, on a fresh PostgreSQL database that the script creates and
drops again:

    find     The query a worker runs to find due timers (the claim's SELECT,
             `LIMIT 50`), timed with 1,000 timers waiting and all due, then again
             after 99,000 more waiting timers (due days later) were added:
             100,000 waiting. Median of --find-runs runs each, and the ratio.
    burst    --burst incidents whose first-response timers all fall due at the
             same instant, fired by 1 and then by 2 `incident-desk worker`
             processes: firings per second, and lateness (fired_at - due_at)
             p50/p99/max. A burst is a backlog by construction: the last timer
             waits for the ones before it.
    trickle  --trickle incidents falling due one every --trickle-gap seconds, with
             one worker: the lateness when the backlog allows.

Every firing is read back from the audit trail (`timer.fired`: due time, and how
late it fired); the script checks that none fired early and none twice.

The 1,000 timers that fire belong to real incidents opened through the service
layer (reported so that they fall due a little after they are all created);
the 99,000 filler rows point at one filler process instance, so they cost
space in the index but are never fired.

Run it from the repository root (PostgreSQL at --pg-url, trust auth):

    .venv/bin/python bench/timers.py
    .venv/bin/python bench/timers.py --burst 300 --trickle 30     # quicker
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service import create_app  # noqa: E402
from service.config import Settings  # noqa: E402
from service.models import AuditEvent, ProcessInstance, Timer  # noqa: E402
from service.services import deployments, incidents, schedule, users  # noqa: E402

FIRST_RESPONSE = timedelta(hours=3)  # sla.dmn, P3 (what an incident with no impact gets)
P99_TARGET_S = 1.0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))
    return ordered[int(rank) - 1]


@contextmanager
def fresh_database(pg_url: str, name: str):
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def open_due_at(svc, reporter, count: int, due: datetime, gap: timedelta = timedelta(0)) -> None:
    """Open incidents whose first-response timers fall due at `due`, `due + gap`, ..."""
    for i in range(count):
        reported = due + gap * i - FIRST_RESPONSE
        incidents.open_incident(
            svc,
            reporter,
            incidents.OpenIncident(
                title=f"Bench {uuid.uuid4().hex[:8]}",
                description="benchmark",
                reported_at=reported,
            ),
        )


def time_find(svc, runs: int) -> float:
    """Median seconds of the due-timer query at the current time."""
    times = []
    with svc.db.engine.connect() as connection:
        for _ in range(runs):
            start = time.perf_counter()
            connection.execute(schedule._DUE, {"now": datetime.now(UTC), "limit": 50}).all()
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def count_timers(svc) -> int:
    with svc.db.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(Timer)).scalar_one()


def _find_sql(svc) -> str:
    sql = str(schedule._DUE.compile(svc.db.engine))
    for name, value in (("%(now)s", "now()"), ("%(limit)s", "50"), ("%(state_1)s", "'waiting'")):
        sql = sql.replace(name, value)
    return sql


def plan_of_find(svc) -> str:
    """The scan node of the due-timer query's plan, to show that it uses the index."""
    with svc.db.engine.connect() as connection:
        lines = connection.exec_driver_sql("EXPLAIN " + _find_sql(svc)).scalars().all()
    return next((line.strip() for line in lines if "Scan" in line), lines[0])


def server_time_find(svc, runs: int) -> float:
    """Median seconds PostgreSQL itself spends on the query (EXPLAIN ANALYZE), without
    the client's round trip and driver work."""
    times = []
    with svc.db.engine.connect() as connection:
        for _ in range(runs):
            lines = connection.exec_driver_sql("EXPLAIN ANALYZE " + _find_sql(svc)).scalars().all()
            times.append(float(lines[-1].split(":")[1].split()[0]) / 1000)
    return statistics.median(times)


def add_filler(svc, count: int) -> None:
    """`count` waiting timers due days from now, on one filler instance."""
    with svc.db.engine.begin() as connection:
        template = connection.execute(
            select(ProcessInstance.version_id, ProcessInstance.process_id).limit(1)
        ).one()
        now = datetime.now(UTC)
        instance_id = connection.execute(
            insert(ProcessInstance)
            .values(
                version_id=template.version_id,
                process_id=template.process_id,
                status="running",
                state="{}",
                created_at=now,
                updated_at=now,
                lock_version=1,
            )
            .returning(ProcessInstance.id)
        ).scalar_one()
        rows = [
            {
                "instance_id": instance_id,
                "task_id": str(uuid.uuid4()),
                "element_id": "filler",
                "due_at": now + timedelta(days=2, seconds=i),
                "state": "waiting",
                "attempts": 0,
                "created_at": now,
            }
            for i in range(count)
        ]
        for start in range(0, count, 5000):
            connection.execute(insert(Timer.__table__), rows[start : start + 5000])
        connection.execute(text("ANALYZE timers"))


@contextmanager
def workers(url: str, count: int):
    env = {**os.environ, "INCIDENT_DESK_DATABASE_URL": url, "INCIDENT_DESK_LOG_LEVEL": "WARNING"}
    processes = [
        subprocess.Popen(
            [str(ROOT / ".venv/bin/incident-desk"), "worker"],
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    try:
        yield processes
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def wait_fired(svc, since_id: int, expected: int, deadline_s: float) -> list[tuple]:
    """(due_at, late_ms, worker) of every timer fired after audit event `since_id`."""
    deadline = time.monotonic() + deadline_s
    while True:
        with svc.db.engine.connect() as connection:
            rows = (
                connection.execute(
                    select(AuditEvent.data).where(
                        AuditEvent.type == "timer.fired", AuditEvent.id > since_id
                    )
                )
                .scalars()
                .all()
            )
        if len(rows) >= expected or time.monotonic() > deadline:
            return [(r["due_at"], r["late_ms"], r["worker"]) for r in rows]
        time.sleep(0.2)


def last_event_id(svc) -> int:
    with svc.db.engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


def run_burst(svc, url, reporter, count: int, worker_count: int) -> dict:
    since = last_event_id(svc)
    # Timers fall due once all are created (about 15 ms each) and the workers run.
    due = datetime.now(UTC) + timedelta(seconds=10 + count * 0.03)
    open_due_at(svc, reporter, count, due)
    with workers(url, worker_count):
        fired = wait_fired(
            svc, since, count, deadline_s=(due - datetime.now(UTC)).total_seconds() + 600
        )
    return summarise(fired, count)


def run_trickle(svc, url, reporter, count: int, gap_s: float) -> dict:
    since = last_event_id(svc)
    due = datetime.now(UTC) + timedelta(seconds=10 + count * 0.03)
    open_due_at(svc, reporter, count, due, timedelta(seconds=gap_s))
    with workers(url, 1):
        fired = wait_fired(
            svc,
            since,
            count,
            deadline_s=(due - datetime.now(UTC)).total_seconds() + count * gap_s + 120,
        )
    return summarise(fired, count)


def summarise(fired: list[tuple], expected: int) -> dict:
    lateness = [late / 1000 for _, late, _ in fired]
    dues = sorted(datetime.fromisoformat(due) for due, _, _ in fired)
    if not fired:
        return {"fired": 0, "expected": expected}
    ends = [datetime.fromisoformat(due) + timedelta(milliseconds=late) for due, late, _ in fired]
    span = (max(ends) - dues[0]).total_seconds()
    return {
        "fired": len(fired),
        "expected": expected,
        "per_second": len(fired) / span if span > 0 else float("inf"),
        "p50": percentile(lateness, 50),
        "p99": percentile(lateness, 99),
        "max": max(lateness),
        "early": sum(1 for late in lateness if late < 0),
        "workers": sorted({w for _, _, w in fired}),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--burst", type=int, default=1000, help="timers due at once")
    parser.add_argument("--waiting", type=int, default=100_000, help="waiting timers in all")
    parser.add_argument("--trickle", type=int, default=100, help="timers for the trickle")
    parser.add_argument("--trickle-gap", type=float, default=0.2, help="seconds between them")
    parser.add_argument("--find-runs", type=int, default=200)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="incident_desk_bench_timers")
    args = parser.parse_args(argv)
    if "bench" not in args.pg_database:
        parser.error("--pg-database is dropped and re-created: its name must contain 'bench'")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    with fresh_database(args.pg_url, args.pg_database) as url:
        app = create_app(Settings(database_url=url))
        svc = app.extensions["incident_desk"]
        try:
            svc.db.upgrade()
            deployments.deploy_paths(
                svc, [svc.settings.processes_dir, svc.settings.forms_dir], actor="bench"
            )
            users.add_user(svc, "rita", display_name="Rita", contact="rita@example.org")
            reporter = users.authenticate(svc, users.create_token(svc, "rita")[1])

            print(f"find: {args.burst} due at once, then {args.waiting} waiting ...", flush=True)
            due = datetime.now(UTC) + timedelta(seconds=5 + args.burst * 0.03)
            open_due_at(svc, reporter, args.burst, due)
            while datetime.now(UTC) < due:
                time.sleep(0.1)
            with svc.db.engine.begin() as connection:
                connection.execute(text("ANALYZE timers"))
            waiting_small = count_timers(svc)
            find_small = time_find(svc, args.find_runs)
            server_small = server_time_find(svc, args.find_runs)
            add_filler(svc, args.waiting - waiting_small)
            waiting_large = count_timers(svc)
            find_large = time_find(svc, args.find_runs)
            server_large = server_time_find(svc, args.find_runs)
            scan = plan_of_find(svc)
            # Those timers served the find measurement; each burst brings its own.
            with svc.db.engine.begin() as connection:
                connection.execute(text("DELETE FROM timers WHERE element_id <> 'filler'"))
            print("burst, 1 worker ...", flush=True)
            one = run_burst(svc, url, reporter, args.burst, 1)
            print("burst, 2 workers ...", flush=True)
            two = run_burst(svc, url, reporter, args.burst, 2)
            print("trickle, 1 worker ...", flush=True)
            trickle = run_trickle(svc, url, reporter, args.trickle, args.trickle_gap)
        finally:
            svc.close()

    print()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, machine: {os.cpu_count()} CPUs")
    print()
    print(
        f"find due timers, median of {args.find_runs}: {find_small * 1000:.3f} ms with "
        f"{waiting_small} waiting, {find_large * 1000:.3f} ms with {waiting_large} waiting "
        f"(ratio {find_large / find_small:.2f})"
    )
    print(
        f"  inside PostgreSQL (EXPLAIN ANALYZE): {server_small * 1000:.3f} ms and "
        f"{server_large * 1000:.3f} ms (ratio {server_large / server_small:.2f})"
    )
    print(f"  plan: {scan}")
    print()
    print(
        f"{'scenario':<22} {'fired':>11} {'fired/s':>8} "
        f"{'p50 s':>7} {'p99 s':>7} {'max s':>7} {'early':>6}"
    )
    for label, result in (
        ("burst, 1 worker", one),
        ("burst, 2 workers", two),
        (f"trickle every {args.trickle_gap}s", trickle),
    ):
        if result["fired"] == 0:
            print(f"{label:<22} {'0/' + str(result['expected']):>11}  (nothing fired)")
            continue
        print(
            f"{label:<22} {str(result['fired']) + '/' + str(result['expected']):>11} "
            f"{result['per_second']:>8.1f} {result['p50']:>7.3f} {result['p99']:>7.3f} "
            f"{result['max']:>7.3f} {result['early']:>6}"
        )
    print()
    ok = trickle.get("p99", 99) < P99_TARGET_S
    print(
        f"trickle lateness p99: {trickle.get('p99', float('nan')):.3f} s "
        f"(target: under {P99_TARGET_S:.0f} s) -> {'met' if ok else 'MISSED'}"
    )
    early = sum(r.get("early", 0) for r in (one, two, trickle))
    print(f"timers fired early: {early} (target: none)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
