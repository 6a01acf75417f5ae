"""What every use case needs, built once per application and passed in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..config import Settings
from ..db import Database
from ..forms import FormStore
from ..modeler import ModelerCheck, default_tool_dir
from ..notify.rules import Rules
from ..notify.templates import Templates
from ..workflow import DecisionTables, Limits, ProcessRuntime, sandbox
from .wakeup import Wakeup

Clock = Callable[[], datetime]
# Where the HTTP entry points find the Services in the Flask app's extensions.
EXTENSION = "incident_desk"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    runtime: ProcessRuntime
    forms: FormStore
    clock: Clock = utc_now
    wakeup: Wakeup = field(default_factory=Wakeup)
    modeler: ModelerCheck = field(default_factory=lambda: ModelerCheck(None))
    # The delivery worker's own signal: deliveries and timers wake different loops.
    delivery_wakeup: Wakeup = field(default_factory=Wakeup)
    decisions: DecisionTables = field(default_factory=DecisionTables)

    def now(self) -> datetime:
        value = self.clock()
        if value.tzinfo is None:
            raise ValueError("the clock must return aware datetimes")
        return value.astimezone(UTC)

    def close(self) -> None:
        self.db.dispose()


def build_services(settings: Settings, *, clock: Clock = utc_now) -> Services:
    from . import audit, notifications, outbox, schedule
    from .operations import metrics
    from .search import index

    db = Database(settings.database_url)
    runtime = ProcessRuntime(sandbox_for(settings), clock=clock)
    services = Services(
        settings=settings,
        db=db,
        runtime=runtime,
        decisions=DecisionTables(runtime),
        forms=FormStore(),
        clock=clock,
        modeler=_modeler_check() if settings.modeler_check else ModelerCheck(None),
    )
    templates = Templates()
    sender = outbox.Outbox(settings, Rules.load(settings.notification_rules, templates), templates)
    # Order matters: the outbox and the metrics read the audit events before they are written.
    metrics.count_on_commit(services)
    db.before_commit(sender.collect)
    db.before_commit(audit.write_pending)
    # Last, so that it sees every change the others made.
    db.after_flush(index.note_changes)
    db.before_commit(index.refresh)
    db.after_rollback(index.forget)
    db.after_rollback(audit.discard_pending)
    db.after_rollback(notifications.created)

    def wake_workers(session) -> None:
        if session.info.pop(schedule.CHANGED, False):
            services.wakeup.notify()
        if session.info.pop(outbox.CHANGED, False):
            services.delivery_wakeup.notify()

    db.after_commit(wake_workers)
    return services


def sandbox_for(settings: Settings) -> sandbox.Sandbox:
    """The process's pool of sandbox processes for these settings (made on first use)."""
    limits = Limits(
        cpu_seconds=settings.sandbox_cpu_seconds,
        memory_bytes=settings.sandbox_memory_mb * 1024 * 1024,
        max_data_bytes=settings.sandbox_data_kb * 1024,
        seccomp=settings.sandbox_seccomp,
    )
    return sandbox.shared(limits, settings.sandbox_processes)


@functools.cache
def _modeler_check() -> ModelerCheck:
    """One per process: what it found for some bytes holds for every app built here."""
    return ModelerCheck(default_tool_dir())
