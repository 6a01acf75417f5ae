"""How the SLA clocks read at a given moment."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.sla import ClockState, first_response_clock, resolution_clock
from service.workflow.scripting import seconds_since, sla_due

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def h(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def first(**kw):
    args = dict(
        target="PT3H",
        due_at=h(3),
        warning_at=h(2.25),
        responded_at=None,
        breached_at=None,
        now=h(1),
    )
    return first_response_clock(**(args | kw))


def resolution(**kw):
    args = dict(
        target="PT24H",
        due_at=h(24),
        warning_at=h(18),
        resolved_at=None,
        paused_seconds=0,
        paused_since=None,
        on_hold=False,
        breached_at=None,
        now=h(1),
    )
    return resolution_clock(**(args | kw))


def test_first_response_states():
    assert first().state == ClockState.RUNNING
    assert first().remaining_seconds == 2 * 3600
    assert first(now=h(2.5)).at_risk
    assert first(responded_at=h(2), now=h(10)).state == ClockState.MET
    late = first(responded_at=h(4), now=h(10))
    assert (late.state, late.remaining_seconds, late.breached_at) == (
        ClockState.BREACHED,
        -3600,
        h(3),
    )
    assert first(now=h(3.5)).state == ClockState.BREACHED
    assert first(due_at=None) is None


def test_resolution_runs_pauses_and_stops():
    assert resolution().state == ClockState.RUNNING
    assert not resolution().at_risk
    assert resolution(now=h(19)).at_risk
    held = resolution(on_hold=True, paused_since=h(2), paused_seconds=600, now=h(5))
    assert held.state == ClockState.PAUSED
    assert held.remaining_seconds == 22 * 3600  # frozen when the hold began
    assert held.paused_seconds == 600 + 3 * 3600
    assert resolution(resolved_at=h(20), now=h(30)).state == ClockState.MET
    assert resolution(resolved_at=h(25), now=h(30)).state == ClockState.BREACHED
    assert resolution(now=h(25)).state == ClockState.BREACHED
    assert resolution(breached_at=h(24), due_at=h(30), now=h(25)).state == ClockState.BREACHED


def test_deadlines_count_from_the_report_and_skip_pauses():
    assert sla_due("2026-03-02T09:00:00+00:00", "PT4H") == "2026-03-02T13:00:00+00:00"
    assert (
        sla_due("2026-03-02T09:00:00+02:00", "PT24H", fraction=0.75) == "2026-03-03T01:00:00+00:00"
    )
    assert sla_due("2026-03-02T09:00:00+00:00", "P5D", paused_seconds=3600) == (
        "2026-03-07T10:00:00+00:00"
    )
    assert seconds_since(None) == 0.0
