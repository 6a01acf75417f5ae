"""What /metrics answers: the process's own figures plus the database's, read at scrape time.

Gauges of things kept in the database (timers, deliveries, open incidents,
worker heartbeats) come from a few aggregate queries made when Prometheus
scrapes, so they are right whichever process answers. Counters and histograms
are counted where things happen (service/instruments.py); SLA warnings and
breaches and timer lateness are counted when their transaction commits, so a
run that rolls back counts nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ... import instruments
from ...domain.enums import IncidentStatus
from ...models import Delivery, Incident, Timer
from .. import audit
from ..context import Services
from . import heartbeats

log = logging.getLogger(__name__)

# A timer more than this past its due time and still unfired: the workers are behind or down.
OVERDUE_AFTER = timedelta(seconds=60)
_COUNTED = "incident_desk.metrics_pending"
_SLA = {"sla.warning": instruments.sla_warnings, "sla.breached": instruments.sla_breaches}


def count_on_commit(svc: Services) -> None:
    """Count SLA events and timer lateness of the transactions that commit."""

    def note(session: Session) -> None:
        seen = [e for e in audit.pending(session) if e["type"] in (*_SLA, "timer.fired")]
        if seen:
            session.info.setdefault(_COUNTED, []).extend(seen)

    def count(session: Session) -> None:
        for event in session.info.pop(_COUNTED, ()):
            data = event["data"]
            if event["type"] == "timer.fired":
                instruments.timer_lateness().observe(max(data.get("late_ms", 0), 0) / 1000)
            else:
                _SLA[event["type"]]().labels(data.get("clock") or "unknown").inc()

    def forget(session: Session) -> None:
        session.info.pop(_COUNTED, None)

    # Before audit.write_pending, which empties the list of pending events.
    svc.db.before_commit(note)
    svc.db.after_commit(count)
    svc.db.after_rollback(forget)


class DatabaseFigures(Collector):
    """Gauges read from the database at each scrape."""

    def __init__(self, svc: Services):
        self._svc = svc

    def collect(self):
        svc = self._svc
        now = svc.now()
        with svc.db.read() as uow:
            session = uow.session
            yield _timers(session, now)
            yield _deliveries(session)
            yield _open_incidents(session)
            yield _heartbeats(svc, session, now)


def _timers(session: Session, now) -> GaugeMetricFamily:
    late = now - OVERDUE_AFTER
    when = case(
        (Timer.state != "waiting", Timer.state),
        (Timer.due_at > now, "waiting"),
        (Timer.due_at > late, "due"),
        else_="overdue",
    )
    rows = dict(session.execute(select(when, func.count()).group_by(when)).all())
    family = GaugeMetricFamily(
        "incident_desk_timers",
        "BPMN timers by state: waiting (due later), due (now), overdue (more than a minute "
        "past due and not fired), failed (retries used up)",
        labels=["state"],
    )
    for state in ("waiting", "due", "overdue", "failed"):
        family.add_metric([state], rows.get(state, 0))
    return family


def _deliveries(session: Session) -> GaugeMetricFamily:
    state = case(
        ((Delivery.state == "pending") & (Delivery.attempts > 0), "retrying"),
        else_=Delivery.state,
    )
    query = (
        select(Delivery.channel, state, func.count())
        .where(Delivery.state.in_(("pending", "dead")))
        .group_by(Delivery.channel, state)
    )
    counts = {(channel, s): n for channel, s, n in session.execute(query)}
    family = GaugeMetricFamily(
        "incident_desk_deliveries",
        "E-mails and webhook calls not sent yet: pending (not tried), retrying (failed "
        "before, tried again later), dead (out of attempts, waiting for an admin)",
        labels=["channel", "state"],
    )
    for channel in sorted({"email", "webhook", *(c for c, _ in counts)}):
        for s in ("pending", "retrying", "dead"):
            family.add_metric([channel, s], counts.get((channel, s), 0))
    return family


def _open_incidents(session: Session) -> GaugeMetricFamily:
    query = (
        select(Incident.status, Incident.priority, Incident.tier, func.count())
        .where(Incident.status != IncidentStatus.CLOSED.value)
        .group_by(Incident.status, Incident.priority, Incident.tier)
    )
    family = GaugeMetricFamily(
        "incident_desk_open_incidents",
        "Incidents not closed, by status, priority and tier (empty until triage sets them)",
        labels=["status", "priority", "tier"],
    )
    for status, priority, tier, count in session.execute(query):
        family.add_metric([status, priority or "", tier or ""], count)
    return family


def _heartbeats(svc: Services, session: Session, now) -> GaugeMetricFamily:
    family = GaugeMetricFamily(
        "incident_desk_worker_heartbeat_age_seconds",
        "Seconds since each worker process's loops last reported",
        labels=["worker"],
    )
    for beat in heartbeats.recent(session):
        family.add_metric([beat.name], max((now - beat.beat_at).total_seconds(), 0.0))
    return family


def registry(svc: Services) -> CollectorRegistry:
    """What a scrape of this process reads: its figures (or, under gunicorn, those of
    every worker process, from their files) and the database's."""
    chosen = CollectorRegistry()
    if instruments.multiprocess_directory():
        MultiProcessCollector(chosen)
    else:
        chosen.register(REGISTRY)
    chosen.register(DatabaseFigures(svc))
    return chosen


def serve_port(svc: Services):
    """Answer /metrics on the separate port of the settings (no token: keep it private),
    in a thread; the server, or None when no port is set."""
    settings = svc.settings
    if not settings.metrics_port:
        return None
    server, _thread = start_http_server(
        settings.metrics_port, addr=settings.metrics_host, registry=registry(svc)
    )
    log.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    return server


def exposition(svc: Services) -> bytes:
    """The text format of a scrape."""
    return generate_latest(registry(svc))
