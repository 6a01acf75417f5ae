"""The pure rules of a personal-data breach: numbers, status, the authority's notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain import access
from service.domain import breaches as rules
from service.domain.access import Principal
from service.domain.breaches import AuthorityNotice, BreachStatus

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DUE = NOW + timedelta(hours=1)


def test_numbers_round_trip_and_strangers_are_refused():
    assert rules.format_number(42) == "BR-000042"
    assert rules.parse_number(" br-000042 ") == 42
    for text in ("INC-000042", "BR-42", "BR-" + "9" * 20, "BR-9999999999"):
        assert rules.parse_number(text) is None


@pytest.mark.parametrize(
    ("risk", "authority", "subjects", "ended", "status"),
    [
        (None, False, False, False, BreachStatus.ASSESSING),
        ("none", False, False, False, BreachStatus.CLOSING),
        ("risk", False, False, False, BreachStatus.NOTIFYING),
        ("risk", True, False, False, BreachStatus.CLOSING),
        ("high_risk", True, False, False, BreachStatus.NOTIFYING),
        ("high_risk", True, True, False, BreachStatus.CLOSING),
        ("risk", True, False, True, BreachStatus.CLOSED),
    ],
)
def test_status_follows_the_risk_and_the_notices(risk, authority, subjects, ended, status):
    derived = rules.derive_status(
        ended=ended, risk=risk, authority_notified=authority, subjects_notified=subjects
    )
    assert derived == status


@pytest.mark.parametrize(
    ("risk", "notified_at", "now", "state"),
    [
        ("none", None, NOW, AuthorityNotice.NOT_REQUIRED),
        (None, None, NOW, AuthorityNotice.PENDING),
        ("risk", None, DUE, AuthorityNotice.PENDING),
        ("risk", None, DUE + timedelta(seconds=1), AuthorityNotice.OVERDUE),
        ("risk", DUE, DUE + timedelta(days=1), AuthorityNotice.NOTIFIED),
        ("risk", DUE + timedelta(seconds=1), DUE, AuthorityNotice.NOTIFIED_LATE),
    ],
)
def test_the_authority_notice_state(risk, notified_at, now, state):
    assert rules.authority_notice(risk=risk, due_at=DUE, notified_at=notified_at, now=now) == state


def test_a_late_notice_needs_reasons_and_an_early_one_does_not():
    late = DUE + timedelta(minutes=1)
    [error] = rules.check_delay_reason(late, DUE, "  ")
    assert error.field == "$.delay_reason"
    assert rules.check_delay_reason(late, DUE, "Forensics") == []
    assert rules.check_delay_reason(DUE, DUE, None) == []


def test_awareness_and_notices_within_the_clock_skew():
    assert rules.check_awareness(NOW + rules.CLOCK_SKEW, NOW) == []
    [error] = rules.check_awareness(NOW + rules.CLOCK_SKEW + timedelta(seconds=1), NOW)
    assert error.field == "$.aware_at"
    aware = NOW - timedelta(hours=1)
    assert rules.check_notice_time("x", NOW, aware_at=aware, now=NOW) == []
    assert rules.check_notice_time("x", None, aware_at=aware, now=NOW)[0].field == "$.x"
    before = rules.check_notice_time("x", aware - timedelta(seconds=1), aware_at=aware, now=NOW)
    assert "before" in before[0].message


@pytest.mark.parametrize(
    ("groups", "flags", "reads"),
    [
        ({"L1"}, True, True),
        ({"L3"}, True, True),
        ({"privacy"}, True, True),
        ({"management"}, False, True),
        ({"admin"}, False, True),
        ({"process-owner"}, False, False),
        ({"integrator"}, False, False),
        (set(), False, False),
    ],
)
def test_who_flags_and_who_reads_the_register(groups, flags, reads):
    principal = Principal(1, "someone", frozenset(groups))
    assert access.may_flag_breach(principal) is flags
    assert access.may_read_breaches(principal) is reads
