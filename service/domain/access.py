"""Who may see and do what. Pure functions over a `Principal`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .enums import REPORTER_LANE, Group, Tier

AGENT_GROUPS = frozenset({Group.L1, Group.L2, Group.L3})
# Groups that see every incident and task (they still work only their own lanes).
# The data protection officer reads the incident behind every breach.
_SEE_ALL = AGENT_GROUPS | {Group.ADMIN, Group.PROCESS_OWNER, Group.PRIVACY}
# Groups that may open an incident on another user's behalf.
_ON_BEHALF = AGENT_GROUPS | {Group.INTEGRATOR, Group.ADMIN}
# Groups that may start any deployed process through the generic API.
_START_PROCESS = frozenset({Group.INTEGRATOR, Group.ADMIN, Group.PROCESS_OWNER})
# Who may say an incident is a personal-data breach: those who work incidents, and the DPO.
_FLAG_BREACH = AGENT_GROUPS | {Group.PRIVACY}
# Who reads the breach register; management is told when a deadline is missed.
_READ_BREACHES = _FLAG_BREACH | {Group.MANAGEMENT, Group.ADMIN}


@dataclass(frozen=True)
class Principal:
    user_id: int
    username: str
    groups: frozenset[str] = field(default_factory=frozenset)
    # What the user chose; None: the desk's default.
    language: str | None = None
    time_zone: str | None = None

    @property
    def is_reporter(self) -> bool:
        """A user in no group is a reporter."""
        return not self.groups

    def in_group(self, group: str) -> bool:
        return group in self.groups


def sees_everything(principal: Principal) -> bool:
    return bool(principal.groups & _SEE_ALL)


def may_see_incident(
    principal: Principal, *, reporter_id: int, opened_by_id: int, following: bool = False
) -> bool:
    """`following`: the principal follows the incident (told of it as its reporter is)."""
    return (
        sees_everything(principal) or following or principal.user_id in (reporter_id, opened_by_id)
    )


def may_relate_incidents(principal: Principal) -> bool:
    """Linking a parent, merging duplicates, adding other people as followers: agents."""
    return bool(principal.groups & AGENT_GROUPS)


def may_flag_breach(principal: Principal) -> bool:
    return bool(principal.groups & _FLAG_BREACH)


def may_read_breaches(principal: Principal) -> bool:
    """The register and the breach behind an incident. Never reporters: whether and
    when the people affected are told is the data protection officer's decision."""
    return bool(principal.groups & _READ_BREACHES)


def may_act_on_behalf(principal: Principal) -> bool:
    return bool(principal.groups & _ON_BEHALF)


def may_start_processes(principal: Principal) -> bool:
    return bool(principal.groups & _START_PROCESS)


def may_work_lane(principal: Principal, lane: str | None, *, reporter_id: int | None) -> bool:
    """Lane names are group names; the Reporter lane belongs to the incident's reporter.

    A task outside any lane can be worked by any agent.
    """
    if lane == REPORTER_LANE:
        return reporter_id is not None and principal.user_id == reporter_id
    if lane is None:
        return bool(principal.groups & AGENT_GROUPS)
    return lane in principal.groups


def works_tasks(principal: Principal) -> bool:
    """Agents and the privacy team: the people group tasks are handed to."""
    return bool(principal.groups & (AGENT_GROUPS | {Group.PRIVACY}))


def is_agent_lane(lane: str | None) -> bool:
    return lane in Tier.__members__


def may_read_event(event_type: str, lane: str | None) -> bool:
    """For those who do not see everything: incident milestones, and reporter-lane tasks."""
    if event_type.startswith("incident."):
        return True
    return event_type.startswith("task.") and lane == REPORTER_LANE


def may_deploy(principal: Principal) -> bool:
    """Deploying is running code on the server: process owners only."""
    return principal.in_group(Group.PROCESS_OWNER)


def may_read_definitions(principal: Principal) -> bool:
    """Process files, versions and deployments: anyone but a plain reporter."""
    return not principal.is_reporter


def may_use_cockpit(principal: Principal) -> bool:
    """The owners' pages (processes, where work waits, comparing versions): process
    owners and admins."""
    return bool(principal.groups & {Group.PROCESS_OWNER, Group.ADMIN})


def may_release_for_others(principal: Principal) -> bool:
    return principal.in_group(Group.ADMIN)


def administers(principal: Principal) -> bool:
    """Webhook subscriptions, deliveries and failed timers: admins only."""
    return principal.in_group(Group.ADMIN)


def may_handle_personal_data(principal: Principal) -> bool:
    """A person's data on request (export, erasure): admins and the privacy team."""
    return bool(principal.groups & {Group.ADMIN, Group.PRIVACY})


def may_edit_incident(principal: Principal) -> bool:
    """Correcting an incident's facts: agents and admins, never reporters."""
    return bool(principal.groups & (AGENT_GROUPS | {Group.ADMIN}))


def oversees_lane(principal: Principal, lane: str, *, leads: frozenset[str]) -> bool:
    """The lane's group lead or an admin: may take a task from whoever holds it."""
    return principal.in_group(Group.ADMIN) or lane in leads


def may_hand_over(principal: Principal, lane: str, *, leads: frozenset[str]) -> bool:
    """Handing a task of the lane to a colleague: its group, the group's lead, admins."""
    return principal.in_group(lane) or oversees_lane(principal, lane, leads=leads)


def may_work_known_errors(principal: Principal) -> bool:
    """Known errors are internal records: agents and admins, never reporters."""
    return bool(principal.groups & (AGENT_GROUPS | {Group.ADMIN}))


def may_operate_instances(principal: Principal) -> bool:
    """Suspending, terminating, retrying, resetting instances and retiring versions:
    process owners and admins."""
    return bool(principal.groups & {Group.PROCESS_OWNER, Group.ADMIN})
