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
    cost     In this process, on the same database, alternating --cost-rounds
             rounds: --cost-size task completions (triage) against --cost-size
             firings (a claimed batch fired as the worker does, one thread): ms of
             CPU per completion and per firing, this process's and its sandbox
             processes' together, medians over the rounds, and the ratio.

Every firing is read back from the audit trail (`timer.fired`: due time, and how
late it fired); the script checks that none fired early and none twice.

The 1,000 timers that fire belong to real incidents opened through the service
layer (reported so that they fall due a little after they are all created);
the 99,000 filler rows point at one filler process instance, so they cost
space in the index but are never fired.

The workers are `incident-desk` beside the Python running this script (or that
Python with `-m service.cli`), importing this checkout. The script prints each
step as it goes and gives up after --max-seconds (exit status 3), saying what it
was waiting for.

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

import bounds  # noqa: E402
from lifecycle import cpu_seconds  # noqa: E402

from service import create_app  # noqa: E402
from service.config import Settings  # noqa: E402
from service.models import AuditEvent, ProcessInstance, Timer  # noqa: E402
from service.services import deployments, incidents, schedule, tasks, timers, users  # noqa: E402

# sla.dmn, P2 (high impact, medium urgency): 2 h around the clock. P3 counts in
# Athens business hours, so its timers would not fall due at night.
IMPACT, URGENCY = "high", "medium"
FIRST_RESPONSE = timedelta(hours=2)
P99_TARGET_S = 1.0
TRIAGE = {"kind": "incident", "category": "email", "impact": "medium", "urgency": "medium"}
# Incidents opened to time the machine before the due time of a burst is chosen,
# and the margin on that time (the machine may slow down while they are opened).
SAMPLE = 20
SLOWER = 1.5


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


def open_one(svc, reporter, reported: datetime):
    view, _ = incidents.open_incident(
        svc,
        reporter,
        incidents.OpenIncident(
            title=f"Bench {uuid.uuid4().hex[:8]}",
            description="benchmark",
            impact=IMPACT,
            urgency=URGENCY,
            reported_at=reported,
        ),
    )
    return view


def open_due_at(svc, reporter, count: int, due: datetime, gap: timedelta = timedelta(0)) -> None:
    """Open incidents whose first-response timers fall due at `due`, `due + gap`, ..."""
    for i in range(count):
        open_one(svc, reporter, due + gap * i - FIRST_RESPONSE)
        bounds.progress(i + 1, count, "incidents opened")
    if datetime.now(UTC) > due:
        print(
            f"  warning: opening took until {(datetime.now(UTC) - due).total_seconds():.1f} s "
            "past the due time: lateness includes that",
            flush=True,
        )


def due_after_opening(svc, reporter, count: int, margin_s: float) -> datetime:
    """A due time `margin_s` after `count` more incidents can be opened, timed on
    SAMPLE incidents (reported now: their timers fall due hours later, never here)."""
    began = time.perf_counter()
    for _ in range(SAMPLE):
        open_one(svc, reporter, datetime.now(UTC))
    each = (time.perf_counter() - began) / SAMPLE
    return datetime.now(UTC) + timedelta(seconds=margin_s + SLOWER * each * count)


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
    for name, value in (
        ("%(now)s", "now()"),
        ("%(limit)s", "50"),
        ("%(state_1)s", "'waiting'"),
        ("%(status_1)s", "'suspended'"),
    ):
        sql = sql.replace(name, value)
    if "%(" in sql:
        raise RuntimeError(f"the find query has a parameter this script does not fill: {sql}")
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


def worker_command() -> list[str]:
    """`incident-desk worker` of the Python running this script (any virtualenv)."""
    script = Path(sys.executable).with_name("incident-desk")
    if script.exists():
        return [str(script), "worker"]
    return [sys.executable, "-m", "service.cli", "worker"]


@contextmanager
def workers(url: str, count: int):
    env = {
        **os.environ,
        "INCIDENT_DESK_DATABASE_URL": url,
        "INCIDENT_DESK_LOG_LEVEL": "WARNING",
        # This checkout's code, whichever one the virtualenv was installed from.
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(
            os.pathsep
        ),
    }
    processes = [
        subprocess.Popen(
            worker_command(),
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


def wait_fired(
    svc, since_id: int, expected: int, deadline_s: float, processes=(), due=None
) -> list[tuple]:
    """(due_at, late_ms, worker) of every timer fired after audit event `since_id`."""
    deadline = time.monotonic() + deadline_s
    while True:
        ended = [p.args[0] for p in processes if p.poll() is not None]
        if ended:
            raise RuntimeError(f"a worker ({ended[0]}) exited while timers were still due")
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
        if len(rows) >= expected:
            return [(r["due_at"], r["late_ms"], r["worker"]) for r in rows]
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"waited {deadline_s:.0f} s for {expected} timer.fired events; {len(rows)} came"
            )
        if due is not None and datetime.now(UTC) < due:
            bounds.progress(0, None, f"timers fired, due at {due:%H:%M:%S} UTC")
        else:
            bounds.progress(len(rows), expected, "timers fired")
        time.sleep(0.2)


def last_event_id(svc) -> int:
    with svc.db.engine.connect() as connection:
        return connection.execute(select(func.coalesce(func.max(AuditEvent.id), 0))).scalar_one()


def run_burst(svc, url, reporter, count: int, worker_count: int) -> dict:
    # Timers fall due once all are created and the workers run.
    due = due_after_opening(svc, reporter, count, margin_s=10)
    since = last_event_id(svc)
    open_due_at(svc, reporter, count, due)
    with workers(url, worker_count) as processes:
        fired = wait_fired(
            svc,
            since,
            count,
            deadline_s=(due - datetime.now(UTC)).total_seconds() + 600,
            processes=processes,
            due=due,
        )
    return summarise(fired, count)


def run_trickle(svc, url, reporter, count: int, gap_s: float) -> dict:
    due = due_after_opening(svc, reporter, count, margin_s=10)
    since = last_event_id(svc)
    open_due_at(svc, reporter, count, due, timedelta(seconds=gap_s))
    with workers(url, 1) as processes:
        fired = wait_fired(
            svc,
            since,
            count,
            deadline_s=(due - datetime.now(UTC)).total_seconds() + count * gap_s + 120,
            processes=processes,
            due=due,
        )
    return summarise(fired, count)


def run_cost(svc, reporter, agent, size: int, rounds: int) -> dict:
    """Median ms of CPU per task completion and per firing, alternating rounds."""
    owner = "bench-cost"
    # As one worker thread fires a claimed batch (older checkouts: a timer at a time).
    fire_batch = getattr(timers, "fire_batch", None) or (
        lambda svc, claimed, owner: [item for item in claimed if timers.fire(svc, item, owner)]
    )
    completion, firing = [], []
    for number in range(rounds):
        bounds.progress(number, rounds, "rounds")
        began = time.perf_counter()
        now = datetime.now(UTC)
        to_complete = [open_one(svc, reporter, now).open_tasks[0].id for _ in range(size)]
        each = (time.perf_counter() - began) / size
        for task_id in to_complete:
            tasks.claim_task(svc, agent, task_id)
        # Due once they are all open (a timer already due when its incident opens
        # fires in that request).
        due = datetime.now(UTC) + timedelta(seconds=1 + 2 * each * size)
        for _ in range(size):
            open_one(svc, reporter, due - FIRST_RESPONSE)
        while datetime.now(UTC) <= due:
            time.sleep(0.05)

        def complete(to_complete=to_complete):
            for task_id in to_complete:
                tasks.complete_task(svc, agent, task_id, TRIAGE)
            return size

        def fire():
            return len(fire_batch(svc, schedule.claim_due(svc, owner, size), owner))

        for kind, work, into in sorted(
            [("completions", complete, completion), ("firings", fire, firing)],
            reverse=bool(number % 2),
        ):
            began = cpu_seconds()
            done = work()
            spent = cpu_seconds() - began
            if done != size:
                raise RuntimeError(f"cost round {number}: {done} {kind} of {size}")
            into.append(spent * 1000 / size)
    return {
        "completion_ms": statistics.median(completion),
        "firing_ms": statistics.median(firing),
        "ratio": statistics.median(f / c for f, c in zip(firing, completion, strict=True)),
    }


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
    parser.add_argument("--cost-size", type=int, default=50, help="completions, firings a round")
    parser.add_argument("--cost-rounds", type=int, default=5, help="0: no cost measurement")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-database", default="incident_desk_bench_timers")
    bounds.add_option(parser, default=1800)
    args = parser.parse_args(argv)
    if "bench" not in args.pg_database:
        parser.error("--pg-database is dropped and re-created: its name must contain 'bench'")
    # A plain `kill` must still stop the workers and drop the database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    return bounds.run(lambda: measure(args), args.max_seconds)


def measure(args) -> int:
    load_at_start = os.getloadavg()
    bounds.stage(f"a fresh database {args.pg_database}: migrate, deploy")
    with fresh_database(args.pg_url, args.pg_database) as url:
        app = create_app(Settings(database_url=url))
        svc = app.extensions["incident_desk"]
        try:
            svc.db.upgrade()
            deployments.deploy_paths(
                svc, [svc.settings.processes_dir, svc.settings.forms_dir], actor="bench"
            )
            users.add_user(svc, "rita", display_name="Rita", contact="rita@example.org")
            users.add_user(svc, "alice", groups=["L1"], display_name="Alice")
            reporter = users.authenticate(svc, users.create_token(svc, "rita")[1])
            agent = users.authenticate(svc, users.create_token(svc, "alice")[1])

            cost = None
            if args.cost_rounds:
                bounds.stage(
                    f"cost: {args.cost_rounds} rounds of {args.cost_size} completions "
                    f"and {args.cost_size} firings, in this process"
                )
                cost = run_cost(svc, reporter, agent, args.cost_size, args.cost_rounds)
            bounds.stage(f"find: opening {args.burst} incidents due at once")
            due = due_after_opening(svc, reporter, args.burst, margin_s=5)
            open_due_at(svc, reporter, args.burst, due)
            bounds.stage(f"find: waiting for the due time ({due:%H:%M:%S} UTC)")
            while datetime.now(UTC) < due:
                time.sleep(0.1)
            with svc.db.engine.begin() as connection:
                connection.execute(text("ANALYZE timers"))
            bounds.stage(f"find: timing the query, {args.find_runs} runs")
            waiting_small = count_timers(svc)
            find_small = time_find(svc, args.find_runs)
            server_small = server_time_find(svc, args.find_runs)
            bounds.stage(f"find: adding filler rows up to {args.waiting} waiting, timing again")
            add_filler(svc, args.waiting - waiting_small)
            waiting_large = count_timers(svc)
            find_large = time_find(svc, args.find_runs)
            server_large = server_time_find(svc, args.find_runs)
            scan = plan_of_find(svc)
            # Those timers served the find measurement; each burst brings its own.
            with svc.db.engine.begin() as connection:
                connection.execute(text("DELETE FROM timers WHERE element_id <> 'filler'"))
            bounds.stage(f"burst, 1 worker: opening {args.burst} incidents, then firing")
            one = run_burst(svc, url, reporter, args.burst, 1)
            bounds.stage(f"burst, 2 workers: opening {args.burst} incidents, then firing")
            two = run_burst(svc, url, reporter, args.burst, 2)
            bounds.stage(f"trickle, 1 worker: {args.trickle} due {args.trickle_gap} s apart")
            trickle = run_trickle(svc, url, reporter, args.trickle, args.trickle_gap)
        finally:
            svc.close()

    print()
    print(f"command: {' '.join([os.path.relpath(sys.executable), *sys.argv])}")
    print(f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, machine: {os.cpu_count()} CPUs")
    print("load average at start (1/5/15 min): " + " ".join(f"{x:.2f}" for x in load_at_start))
    print(f"run time: {bounds.elapsed():.0f} s")
    print()
    if cost is not None:
        print(
            f"CPU per task completion {cost['completion_ms']:.2f} ms, per timer firing "
            f"{cost['firing_ms']:.2f} ms (ratio {cost['ratio']:.2f}; this process and its "
            f"sandbox processes, medians of {args.cost_rounds} rounds of {args.cost_size})"
        )
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
