"""Benchmark: one full incident lifecycle, run three ways.

The lifecycle is the "escalate to L2" path of processes/incident.bpmn, five
requests in all:

    open an incident                      (reporter rita)
    triage                                (alice, L1)
    initial diagnosis escalates           (alice, L1)
    L2 investigation resolves             (bob, L2)
    the reporter confirms the resolution  (rita)

It is run

    raw      SpiffWorkflow alone, in memory: no database, no serialization.
             The specs are parsed once; each "request" is one engine step
             (start the workflow, or complete the ready user task).
    service  The service layer in this process (incidents.open_incident,
             tasks.complete_task) on a SQLite file in a temporary folder; no HTTP.
    http     `incident-desk serve` (gunicorn, its default worker count unless
             --workers) on a fresh PostgreSQL database, driven over HTTP by
             --clients (default 8) threads, each with one keep-alive connection
             and its share of the lifecycles. With --http-database sqlite, the
             embedded default instead: `incident-desk serve` on a fresh SQLite
             file (one process, waitress, 4 threads), measured at 1 client and at
             --clients clients in alternation for --http-rounds rounds.

raw and service run in the same process, alternating for --rounds rounds of
--lifecycles each, so that a slow spell of the (shared, virtual) machine hits
both; the service/raw ratio is the median of the rounds' ratios. http runs
once afterwards. For each way it prints lifecycles per second (lifecycles /
wall-clock seconds; for raw, service and http on SQLite the median over rounds)
and the p50 and p99 latency of a single request (for raw: of a single step), then
the service/raw ratio and the http p99 against their targets (on SQLite: the p99
at most 4 x the p50 at --clients clients, and no fewer lifecycles/s at --clients
clients than at 1). Percentiles are
nearest-rank over all measured requests. Every way runs --warmup unmeasured
lifecycles first, and every lifecycle is checked to end with the incident
closed. Nothing is asserted about the timings.

Run it from the repository root:

    .venv/bin/python bench/lifecycle.py                  # all three ways
    .venv/bin/python bench/lifecycle.py --skip-http      # no PostgreSQL needed
    .venv/bin/python bench/lifecycle.py --rounds 9 --lifecycles 200 --clients 8
    .venv/bin/python bench/lifecycle.py --http-database sqlite   # the embedded default

The http way on PostgreSQL needs PostgreSQL at --pg-url (trust auth). It creates
the database named by --pg-database, and drops it again, together with the server
it started, whatever happens. On SQLite the file lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import bounds

ROOT = Path(__file__).resolve().parent.parent
PROCESSES = ROOT / "processes"
FORMS = ROOT / "forms"
# The CLI installed next to this interpreter: run the script with the virtualenv's python.
CLI = Path(sys.executable).parent / "incident-desk"

# The four task completions that follow "open an incident": (who, form data).
TRIAGE = {"kind": "incident", "category": "email", "impact": "medium", "urgency": "medium"}
ESCALATE = {"outcome": "escalate", "escalation_reason": "x"}
RESOLVE = {"outcome": "resolved", "resolution": "fixed", "service_restored": True}
CONFIRM = {"confirmed": True}
STEPS = [("alice", TRIAGE), ("alice", ESCALATE), ("bob", RESOLVE), ("rita", CONFIRM)]

INCIDENT = {"title": "Mail is down", "description": "Outlook cannot connect since 08:00"}
PEOPLE = {  # name -> (groups, display name, contact)
    "rita": ((), "Rita", "rita@example.org"),
    "alice": (("L1",), None, None),
    "bob": (("L2",), None, None),
}

SERVICE_TO_RAW_TARGET = 0.25  # service lifecycles/s divided by raw lifecycles/s: at least
HTTP_P99_TARGET_MS = 50.0  # p99 of one HTTP request at 8 concurrent clients: under
SQLITE_P99_TO_P50_TARGET = 4.0  # SQLite, --clients clients: p99 at most this many p50s


# --------------------------------------------------------------------------- figures


@dataclass
class Result:
    way: str
    lifecycles: int
    elapsed: float  # wall-clock seconds for all measured lifecycles
    latencies: list[float]  # seconds, one per request (raw: per step)
    note: str = ""
    # CPU seconds of this process and its sandbox processes for all measured lifecycles:
    # steadier than wall-clock time on a machine that is busy with other work.
    cpu: float | None = None

    @property
    def per_second(self) -> float:
        return self.lifecycles / self.elapsed

    def percentile_ms(self, p: float) -> float:
        return percentile(self.latencies, p) * 1000


def cpu_seconds() -> float:
    """CPU time of this process, of its children that ended, and of the sandbox
    processes still running (read from /proc, where there is one)."""
    from service.workflow.sandbox import pool

    own = resource.getrusage(resource.RUSAGE_SELF)
    ended = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + ended.ru_utime + ended.ru_stime
    tick = os.sysconf("SC_CLK_TCK")
    for sandbox in list(pool._shared.values()):
        for pid in sandbox.processes():
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # replaced meanwhile: its time is in RUSAGE_CHILDREN
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile: the smallest value with at least p% of values at or below it."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100), at least 1
    return ordered[int(rank) - 1]


def timed(latencies: list[float], call: Callable, *args):
    start = time.perf_counter()
    value = call(*args)
    latencies.append(time.perf_counter() - start)
    return value


def check(condition: bool, message: str) -> None:
    """A lifecycle that went off its path would make the figures meaningless."""
    if not condition:
        raise RuntimeError(message)


# --------------------------------------------------------------------------- raw


@contextmanager
def raw_runner(warmup: int):
    """Yields run(lifecycles) -> Result; the specs are parsed once, before."""
    from SpiffWorkflow import TaskState
    from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
    from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
    from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

    from service.services.calendars import compile_calendars
    from service.workflow.calendars import Calendars
    from service.workflow.scripting import helpers, utc_now

    calendars = Calendars(
        compile_calendars({p.name: p.read_bytes() for p in (PROCESSES / "calendars").iterdir()})[0]
    )

    parser = SpiffBpmnParser(validator=VALIDATOR)
    for path in sorted(PROCESSES.glob("*.dmn")):
        parser.add_dmn_str(path.read_bytes(), filename=path.name)
    for path in sorted(PROCESSES.glob("*.bpmn")):
        parser.add_bpmn_str(path.read_bytes(), filename=path.name)
    spec = parser.get_spec("incident")
    subprocess_specs = parser.get_subprocess_specs("incident")

    class ScriptEngine(PythonScriptEngine):
        """SpiffWorkflow's own evaluation (plain eval and exec) with the scripts' helpers:
        the engine alone, without the service's sandbox. Service tasks run when an SLA
        timer fires (none does here) and at closure, where the incident process starts the
        satisfaction process: answered here as started, without running it (the raw way
        measures the incident process alone; the service way also runs that instance)."""

        def __init__(self):
            super().__init__(environment=TaskDataEnvironment(helpers(utc_now, calendars)))

        def call_service(self, task, operation_name=None, operation_params=None, **kwargs):
            if operation_name == "start_process":
                return json.dumps({})
            raise AssertionError(f"unexpected service call at {task.task_spec.bpmn_id}")

    def start(number: int):
        # The process's scripts need the helpers (sla_due, now, ...) of its script engine.
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=ScriptEngine())
        workflow.task_tree.data.update(
            INCIDENT,
            reporter_name="Rita",
            reporter_contact="rita@example.org",
            incident_number=f"INC-{number:06d}",
            channel="api",
            reported_at=datetime.now(UTC).isoformat(),
            impact=None,
            urgency=None,
            category=None,
        )
        workflow.do_engine_steps()
        return workflow

    def complete(workflow, data):
        task = workflow.get_tasks(state=TaskState.READY, manual=True)[0]
        task.task_spec.add_data_from_form(task, data)
        task.run()
        workflow.do_engine_steps()

    def lifecycle(number: int, latencies: list[float]) -> None:
        workflow = timed(latencies, start, number)
        for _who, data in STEPS:
            timed(latencies, complete, workflow, data)
        check(workflow.completed, "raw: the workflow did not complete")
        check(workflow.data.get("closure_code") == "confirmed_by_reporter", "raw: wrong path")

    counter = iter(range(10**9))
    for _ in range(warmup):
        lifecycle(next(counter), [])

    def run(lifecycles: int) -> Result:
        latencies: list[float] = []
        began = time.perf_counter()
        for _ in range(lifecycles):
            lifecycle(next(counter), latencies)
        return Result("raw", lifecycles, time.perf_counter() - began, latencies)

    yield run


# --------------------------------------------------------------------------- service


@contextmanager
def service_runner(warmup: int):
    """Yields run(lifecycles) -> Result on one SQLite database that lives as long."""
    from service import create_app
    from service.config import Settings
    from service.services import deployments, incidents, tasks, users

    with tempfile.TemporaryDirectory(prefix="incident-desk-bench-") as folder:
        settings = Settings(
            database_url=f"sqlite:///{folder}/bench.sqlite3",
            processes_dir=PROCESSES,
            forms_dir=FORMS,
        )
        app = create_app(settings)
        svc = app.extensions["incident_desk"]
        try:
            svc.db.upgrade()
            deployments.deploy_paths(
                svc, [svc.settings.processes_dir, svc.settings.forms_dir], actor="bench"
            )
            principals = {}
            for name, (groups, display_name, contact) in PEOPLE.items():
                users.add_user(
                    svc, name, groups=list(groups), display_name=display_name, contact=contact
                )
                principals[name] = users.authenticate(svc, users.create_token(svc, name)[1])

            def lifecycle(latencies: list[float]) -> None:
                command = incidents.OpenIncident(**INCIDENT)
                incident, _ = timed(
                    latencies, incidents.open_incident, svc, principals["rita"], command
                )
                task_id = incident.open_tasks[0].id
                for who, data in STEPS:
                    done = timed(
                        latencies, tasks.complete_task, svc, principals[who], task_id, data
                    )
                    incident = done.incident
                    task_id = incident.open_tasks[0].id if incident.open_tasks else None
                check(incident.status == "closed", f"service: incident ended {incident.status}")

            for _ in range(warmup):
                lifecycle([])

            def run(lifecycles: int) -> Result:
                latencies: list[float] = []
                began, cpu = time.perf_counter(), cpu_seconds()
                for _ in range(lifecycles):
                    lifecycle(latencies)
                elapsed = time.perf_counter() - began
                return Result(
                    "service",
                    lifecycles,
                    elapsed,
                    latencies,
                    "SQLite file, in process",
                    cpu=cpu_seconds() - cpu,
                )

            yield run
        finally:
            svc.close()


# --------------------------------------------------------------------------- http


def default_workers() -> int:
    """What `incident-desk serve` runs on PostgreSQL when --workers is not given."""
    return max(2, os.cpu_count() or 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _NoDelayConnection(http.client.HTTPConnection):
    """http.client sends the headers and the body of a POST in two writes; with
    Nagle's algorithm on, the body then waits for the server's delayed ACK (up
    to 40 ms on Linux). Real clients (curl, urllib3) set TCP_NODELAY; so do we."""

    def connect(self):
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Client:
    """One keep-alive HTTP connection speaking JSON."""

    def __init__(self, port: int):
        self._connection = _NoDelayConnection("127.0.0.1", port, timeout=60)

    def post(self, path: str, token: str, body: dict, expect: int) -> dict:
        payload = json.dumps(body).encode()
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._connection.request("POST", path, body=payload, headers=headers)
        response = self._connection.getresponse()
        text = response.read()
        if response.status != expect:
            raise RuntimeError(f"POST {path}: {response.status} {text[:500]!r}")
        return json.loads(text)

    def close(self) -> None:
        self._connection.close()


def wait_for_health(port: int, server: subprocess.Popen, deadline_s: float) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode} before it was up")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass  # not listening yet
        finally:
            connection.close()
        time.sleep(0.2)
    raise RuntimeError(f"GET /health did not answer 200 within {deadline_s:.0f} s")


def group_cpu_seconds(group: int) -> tuple[int, float]:
    """(processes, CPU seconds used so far) of one process group, from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    count, total = 0, 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # fields[2] is the process group id
            count += 1
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return count, total


def wait_for_workers(server: subprocess.Popen, processes: int, deadline_s: float) -> None:
    """Wait until every gunicorn worker has loaded the app and gone idle (`processes`:
    the arbiter and its workers; 1 for waitress, which serves in its only process).

    /health answers as soon as the first worker is up. Clients that connect at
    that moment all land in that worker and keep their connections there, so
    the benchmark would measure one worker instead of the server. Loading the
    app is CPU work, so an idle process group with every worker in it means
    they are all listening.
    """
    deadline = time.monotonic() + deadline_s
    _, before = group_cpu_seconds(server.pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        count, now = group_cpu_seconds(server.pid)
        if count >= processes and now - before < 0.05:
            return
        before = now
    raise RuntimeError(f"the server's {processes} processes did not settle in {deadline_s:.0f} s")


def stop(server: subprocess.Popen, grace_s: float = 30) -> None:
    """Terminate the server's process group: the gunicorn arbiter and every worker.

    The group is signalled even if the arbiter already died, so that no orphaned
    worker survives; whatever is left after the grace period is killed.
    """
    group = server.pid  # start_new_session=True made the server its group's leader

    def signal_group(signum: int) -> bool:
        try:
            os.killpg(group, signum)
            return True
        except ProcessLookupError:
            return False  # nobody left in the group

    signal_group(signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        server.poll()  # reap the arbiter, so that it does not linger as a zombie
        if not signal_group(0):
            return
        time.sleep(0.1)
    signal_group(signal.SIGKILL)
    server.wait(timeout=10)


def admin_engine(pg_url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    return create_engine(make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT")


def recreate_database(pg_url: str, name: str, *, create: bool) -> None:
    from sqlalchemy import text

    engine = admin_engine(pg_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(CLI), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"incident-desk {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


@contextmanager
def running_server(
    *, workers: int | None, pg_url: str, database: str, people=PEOPLE, sqlite: bool = False
):
    """A fresh database with `people` (name -> (groups, display name, contact)),
    served by `incident-desk serve`: on PostgreSQL (database `database` at `pg_url`),
    or with `sqlite` on a SQLite file in a temporary folder, the embedded default.

    Yields (port, {name: token}, database URL). Stops the server and drops the
    database on the way out, whatever happened; on failure it shows the end of
    the server's log.
    """
    from sqlalchemy.engine import make_url

    if not CLI.exists():
        raise RuntimeError(f"{CLI} not found: run this script with the virtualenv's python")
    server = None
    with tempfile.TemporaryDirectory(prefix="incident-desk-bench-") as folder:
        if sqlite:
            url = f"sqlite:///{folder}/bench.sqlite3"
        else:
            url = make_url(pg_url).set(database=database).render_as_string(hide_password=False)
        env = os.environ | {
            "INCIDENT_DESK_DATABASE_URL": url,
            "INCIDENT_DESK_PROCESSES": str(PROCESSES),
            "INCIDENT_DESK_FORMS": str(FORMS),
            "INCIDENT_DESK_LOG_LEVEL": "WARNING",
        }
        log_path = Path(folder) / "server.log"
        try:
            if not sqlite:
                recreate_database(pg_url, database, create=True)
            # The CLI refuses a database without the schema (and makes no SQLite file)
            # but when asked to migrate it.
            cli(env, "db", "upgrade")
            tokens = {}
            for name, (groups, display_name, contact) in people.items():
                options = [f"--group={group}" for group in groups]
                if display_name:
                    options.append(f"--display-name={display_name}")
                if contact:
                    options.append(f"--contact={contact}")
                cli(env, "user", "add", name, *options)
                tokens[name] = cli(env, "token", "create", name)

            port = free_port()
            command = [str(CLI), "serve", "--port", str(port)]
            if workers:
                command += ["--workers", str(workers)]
            with open(log_path, "wb") as log:
                server = subprocess.Popen(
                    command,
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own process group: stop() reaches the workers
                )
            wait_for_health(port, server, deadline_s=60)
            # waitress serves in its one process; gunicorn has an arbiter and its workers.
            processes = 1 if sqlite else (workers or default_workers()) + 1
            wait_for_workers(server, processes, deadline_s=60)
            yield port, tokens, url
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with code {server.returncode}")
        except Exception:
            if log_path.exists():
                tail = log_path.read_text(errors="replace").splitlines()[-30:]
                print("server log, last lines:\n  " + "\n  ".join(tail), file=sys.stderr)
            raise
        finally:
            if server is not None:
                stop(server)
            if not sqlite:
                recreate_database(pg_url, database, create=False)


def run_clients(clients: int, warm, measure) -> float:
    """Run `warm(i)` in `clients` threads, wait until all are warm, then run `measure(i)`
    in all of them at once; the seconds the measured part took. A failed thread
    fails the run (after the others finish)."""
    errors: list[BaseException] = []
    warmed_up = threading.Barrier(clients + 1)
    go = threading.Event()

    def work(index: int) -> None:
        try:
            try:
                warm(index)
            finally:
                warmed_up.wait()
            go.wait()
            if not errors:
                measure(index)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    warmed_up.wait()
    began = time.perf_counter()
    go.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"{len(errors)} client thread(s) failed") from errors[0]
    return elapsed


def drive(port: int, tokens: dict[str, str], lifecycles: int, warmup: int, clients: int):
    """Run `lifecycles` (after `warmup`) over `clients` keep-alive connections at once;
    (wall-clock seconds of the measured part, the latency of every measured request)."""

    def lifecycle(client: Client, latencies: list[float]) -> None:
        incident = timed(latencies, client.post, "/api/incidents", tokens["rita"], INCIDENT, 201)
        for who, data in STEPS:
            task_id = incident["open_tasks"][0]["id"]
            path = f"/api/tasks/{task_id}/complete"
            done = timed(latencies, client.post, path, tokens[who], data, 200)
            incident = done["incident"]
        check(incident["status"] == "closed", f"http: incident ended {incident['status']}")

    # Lifecycles split as evenly as possible over the client threads.
    shares = [lifecycles // clients + (i < lifecycles % clients) for i in range(clients)]
    warmups = [warmup // clients + (i < warmup % clients) for i in range(clients)]
    per_thread: list[list[float]] = [[] for _ in range(clients)]
    connections = [Client(port) for _ in range(clients)]

    def warm(index: int) -> None:
        for _ in range(warmups[index]):
            lifecycle(connections[index], [])

    def measure(index: int) -> None:
        for _ in range(shares[index]):
            lifecycle(connections[index], per_thread[index])

    try:
        elapsed = run_clients(clients, warm, measure)
    finally:
        for connection in connections:
            connection.close()
    return elapsed, [value for values in per_thread for value in values]


def bench_http(
    lifecycles: int, warmup: int, *, clients: int, workers: int | None, pg_url: str, database: str
) -> Result:
    with running_server(workers=workers, pg_url=pg_url, database=database) as (port, tokens, _):
        elapsed, latencies = drive(port, tokens, lifecycles, warmup, clients)
    workers = workers or default_workers()
    note = f"PostgreSQL, {clients} clients, {workers} gunicorn workers x 4 threads"
    return Result("http", lifecycles, elapsed, latencies, note)


def bench_http_sqlite(
    lifecycles: int, warmup: int, *, clients: int, rounds: int
) -> list[dict[int, Result]]:
    """The embedded default: one server on a fresh SQLite file, 1 client and `clients`
    clients taking turns for `rounds` rounds of `lifecycles` each, so that a slow spell
    of the machine and the growing database hit both; one {clients: Result} per round."""
    counts = [1, clients] if clients != 1 else [1]
    results: list[dict[int, Result]] = []
    with running_server(workers=None, pg_url="", database="", sqlite=True) as (port, tokens, _):
        drive(port, tokens, warmup, 0, clients)  # warm every connection's server thread
        for _ in range(rounds):
            round_results = {}
            for count in counts:
                elapsed, latencies = drive(port, tokens, lifecycles, 0, count)
                note = f"SQLite, {count} client(s), waitress x 4 threads"
                round_results[count] = Result(f"http/{count}", lifecycles, elapsed, latencies, note)
            results.append(round_results)
    return results


# --------------------------------------------------------------------------- report


def report(
    rounds: list[dict[str, Result]],
    http: Result | None,
    command: str,
    load_at_start,
    sqlite_http: list[dict[int, Result]] | None = None,
) -> None:
    """Rates are medians over rounds; latency percentiles pool every measured request."""
    print()
    print(f"command: {command}")
    print(
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, machine: {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}"
    )
    # Anything else busy on the machine skews every figure: say how busy it was.
    print("load average at start (1/5/15 min): " + " ".join(f"{x:.2f}" for x in load_at_start))
    print()
    header = f"{'way':<8} {'lifecycles':>10} {'lifecycles/s':>13} {'(min-max)':>15} "
    header += f"{'requests':>9} {'p50 ms':>8} {'p99 ms':>8}  notes"
    print(header)
    print("-" * len(header))
    ways = [way for way in ("raw", "service") if rounds and way in rounds[0]]
    for way in ways:
        results = [r[way] for r in rounds]
        rates = [r.per_second for r in results]
        pooled = [x for r in results for x in r.latencies]
        print(
            f"{way:<8} {sum(r.lifecycles for r in results):>10} {statistics.median(rates):>13.1f} "
            f"{f'({min(rates):.1f}-{max(rates):.1f})':>15} {len(pooled):>9} "
            f"{percentile(pooled, 50) * 1000:>8.2f} {percentile(pooled, 99) * 1000:>8.2f}  "
            f"{results[0].note} ({len(results)} rounds)"
        )
    if http is not None:
        print(
            f"{'http':<8} {http.lifecycles:>10} {http.per_second:>13.1f} {'':>15} "
            f"{len(http.latencies):>9} {http.percentile_ms(50):>8.2f} "
            f"{http.percentile_ms(99):>8.2f}  {http.note}"
        )
    print()
    if "service" in ways:
        cpu = [r["service"].cpu * 1000 / r["service"].lifecycles for r in rounds]
        print(
            f"service CPU ms per lifecycle (this process and its sandbox processes), median of "
            f"{len(cpu)} rounds: {statistics.median(cpu):.1f} "
            f"(rounds: {', '.join(f'{x:.1f}' for x in cpu)})"
        )
    if ways == ["raw", "service"]:
        ratios = [r["service"].per_second / r["raw"].per_second for r in rounds]
        ratio = statistics.median(ratios)
        verdict = "met" if ratio >= SERVICE_TO_RAW_TARGET else "MISSED"
        print(
            f"service/raw lifecycles per second, median of {len(ratios)} rounds: {ratio:.3f} "
            f"(rounds: {', '.join(f'{x:.3f}' for x in ratios)}; "
            f"target: at least {SERVICE_TO_RAW_TARGET}) -> {verdict}"
        )
    if http is not None:
        p99 = http.percentile_ms(99)
        verdict = "met" if p99 < HTTP_P99_TARGET_MS else "MISSED"
        print(f"http p99: {p99:.1f} ms (target: under {HTTP_P99_TARGET_MS:.0f} ms) -> {verdict}")
    if sqlite_http:
        report_sqlite(sqlite_http)


def report_sqlite(rounds: list[dict[int, Result]]) -> None:
    """The embedded default: rates are medians over rounds, percentiles pool the rounds."""
    print()
    header = f"{'http on SQLite':<16} {'lifecycles/s':>13} {'(min-max)':>15} {'requests':>9} "
    header += f"{'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  ({len(rounds)} rounds)"
    print(header)
    print("-" * len(header))
    rate, p50, p99 = {}, {}, {}
    for count in rounds[0]:
        results = [r[count] for r in rounds]
        rates = [r.per_second for r in results]
        pooled = [x for r in results for x in r.latencies]
        rate[count] = statistics.median(rates)
        p50[count], p99[count] = percentile(pooled, 50) * 1000, percentile(pooled, 99) * 1000
        print(
            f"{f'{count} client(s)':<16} {rate[count]:>13.1f} "
            f"{f'({min(rates):.1f}-{max(rates):.1f})':>15} {len(pooled):>9} {p50[count]:>8.2f} "
            f"{p99[count]:>8.2f} {max(pooled) * 1000:>8.1f}"
        )
    many = max(rounds[0])
    print()
    spread = p99[many] / p50[many]
    verdict = "met" if spread <= SQLITE_P99_TO_P50_TARGET else "MISSED"
    print(
        f"SQLite, {many} clients: p99/p50 {spread:.2f} (target: at most "
        f"{SQLITE_P99_TO_P50_TARGET:.0f}) -> {verdict}"
    )
    if many != 1:
        verdict = "met" if rate[many] >= rate[1] else "MISSED"
        print(
            f"SQLite lifecycles/s: {rate[many]:.2f} at {many} clients, {rate[1]:.2f} at 1 "
            f"(target: no fewer at {many}) -> {verdict}"
        )


def add_server_arguments(parser: argparse.ArgumentParser, *, database: str) -> None:
    """--workers, --pg-url, --pg-database: the HTTP server a bench starts."""
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="gunicorn workers; none: the server's own choice, one per CPU on PostgreSQL",
    )
    parser.add_argument(
        "--pg-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server to create the benchmark database on",
    )
    parser.add_argument("--pg-database", default=database)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument(
        "--lifecycles", type=int, default=100, help="measured lifecycles per way and round"
    )
    parser.add_argument("--rounds", type=int, default=5, help="alternating raw/service rounds")
    parser.add_argument(
        "--http-lifecycles", type=int, default=0, help="http lifecycles (0: lifecycles x rounds)"
    )
    parser.add_argument("--warmup", type=int, default=16, help="unmeasured lifecycles first")
    parser.add_argument("--skip-http", action="store_true", help="run only raw and service")
    parser.add_argument("--clients", type=int, default=8, help="concurrent HTTP clients")
    parser.add_argument(
        "--http-database",
        choices=["postgresql", "sqlite"],
        default="postgresql",
        help="what the http way serves from; sqlite: the embedded default, at 1 and N clients",
    )
    parser.add_argument(
        "--http-rounds", type=int, default=3, help="SQLite: alternating 1 / N client rounds"
    )
    add_server_arguments(parser, database="incident_desk_bench")
    bounds.add_option(parser, default=3600)
    args = parser.parse_args(argv)
    if min(args.lifecycles, args.rounds, args.clients, args.http_rounds) < 1 or args.warmup < 0:
        parser.error(
            "--lifecycles, --rounds, --clients and --http-rounds must be positive, "
            "--warmup not negative"
        )
    if "bench" not in args.pg_database:
        parser.error("--pg-database is dropped and re-created: its name must contain 'bench'")

    # A plain `kill` must still stop the server and drop the database (the finally blocks).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    bounds.arm(args.max_seconds)
    load_at_start = os.getloadavg()

    # raw and service alternate, round after round, so that a slow spell of the
    # machine hits both; the ratio is the median of the rounds' ratios.
    rounds: list[dict[str, Result]] = []
    bounds.stage(
        f"raw and service: {args.warmup} warm-up each, then {args.rounds} rounds of "
        f"{args.lifecycles} lifecycles each"
    )
    with raw_runner(args.warmup) as raw, service_runner(args.warmup) as service:
        for number in range(args.rounds):
            bounds.stage(f"raw and service: round {number + 1} of {args.rounds}")
            rounds.append({"raw": raw(args.lifecycles), "service": service(args.lifecycles)})
    http = sqlite_http = None
    http_lifecycles = args.http_lifecycles or args.lifecycles * args.rounds
    if not args.skip_http and args.http_database == "sqlite":
        bounds.stage(
            f"http on SQLite: {args.warmup} warm-up, then {args.http_rounds} rounds of "
            f"{http_lifecycles} lifecycles at 1 and at {args.clients} clients"
        )
        sqlite_http = bench_http_sqlite(
            http_lifecycles, args.warmup, clients=args.clients, rounds=args.http_rounds
        )
    elif not args.skip_http:
        bounds.stage(f"http: {args.warmup} warm-up + {http_lifecycles} lifecycles")
        http = bench_http(
            http_lifecycles,
            args.warmup,
            clients=args.clients,
            workers=args.workers,
            pg_url=args.pg_url,
            database=args.pg_database,
        )
    command = " ".join([os.path.relpath(sys.executable), *sys.argv])
    report(rounds, http, command, load_at_start, sqlite_http)
    return 0


if __name__ == "__main__":
    sys.exit(main())
