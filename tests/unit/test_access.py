"""Who may see and do what."""

from __future__ import annotations

import pytest

from service.domain import access
from service.domain.access import Principal


def who(*groups, user_id=1):
    return Principal(user_id, "someone", frozenset(groups))


@pytest.mark.parametrize(
    ("groups", "lane", "allowed"),
    [
        (("L1",), "L1", True),
        (("L1",), "L3", False),
        (("L1", "L2"), "L2", True),
        (("L3",), "L3", True),
        (("admin",), "L1", False),
        (("integrator",), "L1", False),
        ((), "L1", False),
    ],
)
def test_lanes_are_worked_by_their_group(groups, lane, allowed):
    assert access.may_work_lane(who(*groups), lane, reporter_id=99) is allowed


def test_the_reporter_lane_belongs_to_the_incidents_reporter():
    assert access.may_work_lane(who(user_id=7), "Reporter", reporter_id=7)
    assert not access.may_work_lane(who(user_id=8), "Reporter", reporter_id=7)
    assert not access.may_work_lane(who("L1", user_id=8), "Reporter", reporter_id=7)


def test_reporters_see_their_own_incidents_agents_see_all():
    reporter = who(user_id=7)
    assert reporter.is_reporter
    assert access.may_see_incident(reporter, reporter_id=7, opened_by_id=3)
    assert not access.may_see_incident(reporter, reporter_id=8, opened_by_id=8)
    integrator = who("integrator", user_id=3)
    assert access.may_see_incident(integrator, reporter_id=7, opened_by_id=3)
    assert not access.may_see_incident(integrator, reporter_id=7, opened_by_id=4)
    for group in ("L1", "L2", "L3", "admin", "process-owner"):
        assert access.may_see_incident(who(group), reporter_id=7, opened_by_id=7)


def test_acting_for_others_and_starting_processes():
    assert access.may_act_on_behalf(who("integrator"))
    assert access.may_act_on_behalf(who("L1"))
    assert not access.may_act_on_behalf(who())
    assert access.may_start_processes(who("process-owner"))
    assert not access.may_start_processes(who("L1"))


def test_who_hands_tasks_over_and_corrects_incidents():
    member = Principal(1, "alice", frozenset({"L1"}))
    lead = Principal(2, "bert", frozenset({"L2"}))
    admin = Principal(3, "adam", frozenset({"admin"}))
    reporter = Principal(4, "rita")
    assert access.may_hand_over(member, "L1", leads=frozenset())
    assert not access.may_hand_over(member, "L2", leads=frozenset())
    assert not access.oversees_lane(member, "L1", leads=frozenset())
    assert access.oversees_lane(lead, "L2", leads=frozenset({"L2"}))
    assert access.oversees_lane(admin, "L3", leads=frozenset())
    assert access.may_edit_incident(member) and access.may_edit_incident(admin)
    assert not access.may_edit_incident(reporter)
    assert not access.may_edit_incident(Principal(5, "olga", frozenset({"process-owner"})))
