"""The version's diagram as a heat map: each step coloured by its median time over the
period, with a badge counting the instances that wait there now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ...domain.access import Principal
from ...workflow import diagram
from ..context import Services
from . import catalogue, waiting


@dataclass(frozen=True)
class WaitingReport:
    process_id: str
    version: int
    start: datetime
    end: datetime
    svg: bytes
    waiting: list[waiting.Waiting]
    times: list[waiting.StepTime]
    missed: list[waiting.MissedTargets]


def waiting_report(
    svc: Services, principal: Principal, process_id: str, version: int,
    start: datetime, end: datetime,
) -> WaitingReport:  # fmt: skip
    now = waiting.waiting_now(svc, principal, process_id, version)
    times = waiting.step_times(svc, principal, process_id, version, start, end)
    missed = waiting.missed_targets(svc, principal, process_id, version, start, end)
    layout = catalogue.layout(svc, principal, process_id, version)
    svg = diagram.render(
        layout,
        heat=waiting.heat_levels({t.element_id: t.median_seconds for t in times}),
        badges={w.element_id: str(w.total) for w in now if w.total},
    )
    return WaitingReport(process_id, version, start, end, svg, now, times, missed)
