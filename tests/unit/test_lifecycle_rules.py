"""The service desk's rules about statuses and tiers, without any process."""

from __future__ import annotations

import pytest

from service.domain import lifecycle
from service.domain.enums import IncidentStatus as S
from service.domain.enums import Tier
from service.domain.errors import ProcessError
from service.domain.numbering import format_number, parse_number


@pytest.mark.parametrize(
    ("ended", "lanes", "acted", "expected"),
    [
        (False, ["L1"], False, S.NEW),
        (False, ["L1"], True, S.IN_PROGRESS),
        (False, ["L3"], True, S.IN_PROGRESS),
        (False, ["Reporter"], True, S.RESOLVED),
        (True, [], True, S.CLOSED),
        (True, [], False, S.CLOSED),
    ],
)
def test_status_follows_where_the_process_stands(ended, lanes, acted, expected):
    status = lifecycle.derive_status(
        process_ended=ended, waiting_lanes=lanes, agent_has_acted=acted
    )
    assert status == expected


@pytest.mark.parametrize(
    ("old", "new"),
    [(S.CLOSED, S.IN_PROGRESS), (S.CLOSED, S.NEW), (S.IN_PROGRESS, S.NEW), (S.RESOLVED, S.NEW)],
)
def test_illegal_moves_are_refused(old, new):
    with pytest.raises(ProcessError, match="cannot go from"):
        lifecycle.check_transition(old, new, closure_code="x", resolution="y")


def test_closing_needs_a_closure_code_and_resolving_needs_a_resolution():
    with pytest.raises(ProcessError, match="closure_code"):
        lifecycle.check_transition(S.RESOLVED, S.CLOSED, closure_code=None, resolution="y")
    with pytest.raises(ProcessError, match="resolution"):
        lifecycle.check_transition(S.IN_PROGRESS, S.RESOLVED, closure_code=None, resolution="  ")
    lifecycle.check_transition(S.RESOLVED, S.CLOSED, closure_code="confirmed", resolution=None)
    lifecycle.check_transition(S.IN_PROGRESS, S.RESOLVED, closure_code=None, resolution="done")


def test_reopen_is_only_from_resolved():
    assert lifecycle.is_reopen(S.RESOLVED, S.IN_PROGRESS)
    assert not lifecycle.is_reopen(S.NEW, S.IN_PROGRESS)


def test_tier_is_the_highest_waiting_tier_or_the_last_one():
    assert lifecycle.current_tier(["L2", "L1"], None) == Tier.L2
    assert lifecycle.current_tier(["Reporter"], Tier.L2) == Tier.L2
    assert lifecycle.current_tier([], None) is None
    assert lifecycle.is_escalation(Tier.L1, Tier.L3)
    assert not lifecycle.is_escalation(Tier.L3, Tier.L1)
    assert not lifecycle.is_escalation(None, Tier.L1)


def test_incident_numbers_round_trip():
    assert format_number(42) == "INC-000042"
    assert parse_number("inc-000042") == 42
    assert parse_number("INC-1234567") == 1234567
    assert parse_number("INC-42") is None
    assert parse_number("42") is None
