"""The process's own counters and histograms (prometheus-client), made on first use.

Figures that live in the database (timers, deliveries, open incidents) are not
here: they are read at scrape time (services/operations/metrics.py), so any
process answers them right. What is here happens inside one process (a request
served, a timer fired, a sandbox run stopped) and is counted where it happens.

Under gunicorn every worker process writes its figures to files in
PROMETHEUS_MULTIPROC_DIR, and whichever worker answers a scrape sums them up.
prometheus-client chooses how values are kept when a metric is made, so
`use_directory` must run before the first one is (nothing is made at import).
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

from prometheus_client import Counter, Gauge, Histogram, values

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
# Requests take milliseconds to a few seconds; an engine run is bounded at 2 s of CPU.
REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# A timer fires a few milliseconds after it is due when the worker keeps up; minutes
# or hours late when it was down.
LATENESS_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0)


def use_directory(directory: Path) -> None:
    """Keep this process's figures (and its children's) in files under `directory`,
    emptied first: files of an earlier run would be counted again."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    os.environ[MULTIPROCESS_ENV] = str(directory)
    values.ValueClass = values.get_value_class()


def multiprocess_directory() -> str | None:
    return os.environ.get(MULTIPROCESS_ENV) or None


def process_ended(pid: int) -> None:
    """A gunicorn worker exited: its live gauges no longer count (its counters still do)."""
    from prometheus_client import multiprocess

    if multiprocess_directory():
        multiprocess.mark_process_dead(pid)


@functools.cache
def requests() -> Counter:
    return Counter(
        "incident_desk_http_requests",
        "HTTP requests answered, by route (the URL rule, not the path), method and status",
        ["route", "method", "status"],
    )


@functools.cache
def request_seconds() -> Histogram:
    return Histogram(
        "incident_desk_http_request_duration_seconds",
        "Time to answer an HTTP request, by route, method and status",
        ["route", "method", "status"],
        buckets=REQUEST_BUCKETS,
    )


@functools.cache
def timer_lateness() -> Histogram:
    return Histogram(
        "incident_desk_timer_firing_lateness_seconds",
        "How long after its due time a BPMN timer fired",
        buckets=LATENESS_BUCKETS,
    )


@functools.cache
def sla_warnings() -> Counter:
    return Counter(
        "incident_desk_sla_warnings",
        "SLA warnings recorded (75 % of a resolution target), by clock",
        ["clock"],
    )


@functools.cache
def sla_breaches() -> Counter:
    return Counter("incident_desk_sla_breaches", "SLA breaches recorded, by clock", ["clock"])


@functools.cache
def sandbox_overruns() -> Counter:
    return Counter(
        "incident_desk_sandbox_overruns",
        "Engine runs stopped in the sandbox, by the limit they went past "
        "(cpu, wall, memory, crash)",
        ["limit"],
    )


@functools.cache
def sandbox_states() -> Counter:
    return Counter(
        "incident_desk_sandbox_states",
        "Engine runs of a stored instance, by how its state reached the sandbox: held (the "
        "sandbox process still had it loaded), sent (with the request), asked (the process "
        "no longer had it and asked for it)",
        ["how"],
    )


@functools.cache
def connections_in_use() -> Gauge:
    return Gauge(
        "incident_desk_db_connections_in_use",
        "Database connections checked out of the pools now (summed over live processes)",
        multiprocess_mode="livesum",
    )


@functools.cache
def pool_capacity() -> Gauge:
    return Gauge(
        "incident_desk_db_pool_capacity",
        "Connections the pools may open at most, pool size plus overflow "
        "(summed over live processes)",
        multiprocess_mode="livesum",
    )
