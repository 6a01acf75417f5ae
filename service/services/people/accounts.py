"""Administering accounts: listing with filters, changing groups and leads, disabling
(tokens revoked, sessions ended, claimed tasks released, groups told) and enabling."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from ...domain import access
from ...domain.access import Principal
from ...domain.enums import Group, TaskState
from ...domain.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from ...models import ApiToken, HumanTask, User, UserGroup
from .. import audit, notifications, tasks
from ..context import Services

# Who may see every task: how the command line (principal None) finds the tasks it releases.
_CONSOLE = Principal(0, audit.SYSTEM_ACTOR, frozenset({Group.ADMIN}))
# Fields an admin may change with `update_account`.
EDITABLE = ("groups", "lead_of", "display_name", "contact")
_KNOWN = frozenset(g.value for g in Group)
_TEXT_MAX = 200


@dataclass(frozen=True)
class AccountView:
    id: int
    username: str
    display_name: str | None
    contact: str | None
    groups: list[str]
    lead_of: list[str]
    away: bool
    disabled_at: datetime | None
    erased_at: datetime | None
    created_at: datetime


@dataclass(frozen=True)
class DisabledView:
    account: AccountView
    tokens_revoked: int
    released_tasks: list[str]
    told: list[str]


def list_accounts(
    svc: Services,
    principal: Principal | None,
    *,
    group: str | None = None,
    disabled: bool | None = None,
    q: str | None = None,
) -> list[AccountView]:
    """Accounts by username; `q` matches name, display name or contact (any case)."""
    _require_admin(principal)
    if group is not None and group not in _KNOWN:
        raise InvalidInput("unknown group", [FieldError("group", _known_groups(), "query")])
    query = select(User).order_by(User.username)
    if group is not None:
        query = query.where(User.id.in_(select(UserGroup.user_id).where(UserGroup.group == group)))
    if disabled is not None:
        query = query.where(
            User.disabled_at.is_not(None) if disabled else User.disabled_at.is_(None)
        )
    if q:
        needle = f"%{q.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(User.username).like(needle),
                func.lower(User.display_name).like(needle),
                func.lower(User.contact).like(needle),
            )
        )
    with svc.db.read() as uow:
        return [account_view(user) for user in uow.session.scalars(query)]


def get_account(svc: Services, principal: Principal | None, username: str) -> AccountView:
    _require_admin(principal)
    with svc.db.read() as uow:
        return account_view(find(uow.session, username))


def update_account(
    svc: Services, principal: Principal | None, username: str, changes: dict
) -> AccountView:
    """Change any of EDITABLE; `groups` without `lead_of` keeps the leads still in them."""
    _require_admin(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = find(session, username, lock=True)
        before = account_view(user)
        groups = set(changes.get("groups", before.groups))
        lead_of = set(changes.get("lead_of", set(before.lead_of) & groups))
        _check_groups(groups, lead_of)
        if Group.ADMIN in before.groups and Group.ADMIN not in groups:
            _keep_an_admin(session, user)
        for name in ("display_name", "contact"):
            if name in changes:
                setattr(user, name, _text(changes[name], name))
        kept = {row.group: row for row in user.groups if row.group in groups}
        for name, row in kept.items():
            row.is_lead = name in lead_of
        user.groups = [
            kept.get(g) or UserGroup(group=g, is_lead=g in lead_of) for g in sorted(groups)
        ]
        session.flush()
        after = account_view(user)
        changed = {
            name: {"old": getattr(before, name), "new": getattr(after, name)}
            for name in EDITABLE
            if getattr(before, name) != getattr(after, name)
        }
        if changed:
            audit.record(
                session,
                "user.changed",
                at=svc.now(),
                actor=principal,
                data={"user": user.username, "changes": changed},
            )
        uow.commit()
        return after


def disable(svc: Services, principal: Principal | None, username: str) -> DisabledView:
    """The account stops working at once; its ready claimed tasks go back to their
    groups' queues the way a release does, and the groups' leads are told."""
    _require_admin(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = find(session, username, lock=True)
        if principal is not None and user.id == principal.user_id:
            raise Conflict("you cannot disable yourself; ask another admin")
        if user.disabled_at is not None:
            return DisabledView(account_view(user), 0, [], [])
        view = disable_in(svc, session, principal, user)
        uow.commit()
        return view


def disable_in(
    svc: Services, session: Session, principal: Principal | None, user: User
) -> DisabledView:
    """Disabling in the caller's transaction (erasure disables too)."""
    if Group.ADMIN in user.group_names:
        _keep_an_admin(session, user)
    now = svc.now()
    user.disabled_at = now
    revoked = end_access(session, user, now)
    released = _release_claims(svc, session, principal, user)
    lanes = sorted({lane for _task, lane in released} | (user.group_names & _WORKING))
    told: list[str] = []
    for lane in lanes:
        told += notifications.notify_group(
            session,
            now=now,
            event="user.disabled",
            group=lane,
            role=notifications.LEAD,
            incident_id=None,
            data={
                "user": user.username,
                "released_tasks": [task for task, where in released if where == lane],
            },
        )
    task_ids = [task for task, _lane in released]
    audit.record(
        session,
        "user.disabled",
        at=now,
        actor=principal,
        data={"user": user.username, "tokens_revoked": revoked, "released_tasks": task_ids},
    )
    return DisabledView(account_view(user), revoked, task_ids, told)


def enable(svc: Services, principal: Principal | None, username: str) -> AccountView:
    """The account works again; revoked tokens stay revoked and old sessions stay ended."""
    _require_admin(principal)
    with svc.db.unit_of_work() as uow:
        session = uow.session
        user = find(session, username, lock=True)
        if user.erased_at is not None:
            raise Conflict(f"{user.username} was erased; add a new account instead")
        if user.disabled_at is not None:
            user.disabled_at = None
            audit.record(
                session, "user.enabled", at=svc.now(), actor=principal, data={"user": user.username}
            )
        view = account_view(user)
        uow.commit()
        return view


def end_access(session: Session, user: User, now: datetime) -> int:
    """Revoke the user's tokens and end their sessions; how many tokens were revoked."""
    user.session_epoch += 1
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return result.rowcount or 0


# Groups whose lanes hold tasks people claim.
_WORKING = frozenset({Group.L1, Group.L2, Group.L3, Group.PRIVACY})


def _release_claims(svc, session, principal, user) -> list[tuple[str, str | None]]:
    held = session.scalars(
        select(HumanTask.id)
        .where(HumanTask.claimed_by_id == user.id, HumanTask.state == TaskState.READY)
        .order_by(HumanTask.seq)
    ).all()
    released = []
    for task_id in held:
        row, incident, instance = tasks.lock(session, principal or _CONSOLE, task_id)
        if row.claimed_by_id != user.id or row.state != TaskState.READY:
            continue  # completed or handed on while we waited for the lock
        tasks.release_held(svc, session, principal, row, incident, instance, why="user disabled")
        released.append((row.id, row.lane))
    return released


def find(session: Session, username: str, *, lock: bool = False) -> User:
    query = select(User).where(User.username == (username or "").strip().lower())
    if lock:
        query = query.with_for_update()
    user = session.scalar(query)
    if user is None:
        raise NotFound(f"no user {username}")
    return user


def account_view(user: User) -> AccountView:
    return AccountView(
        user.id,
        user.username,
        user.display_name,
        user.contact,
        sorted(user.group_names),
        sorted(g.group for g in user.groups if g.is_lead),
        user.away,
        user.disabled_at,
        user.erased_at,
        user.created_at,
    )


def _keep_an_admin(session: Session, user: User) -> None:
    others = session.scalar(
        select(func.count())
        .select_from(User)
        .join(UserGroup, UserGroup.user_id == User.id)
        .where(UserGroup.group == Group.ADMIN, User.id != user.id, User.disabled_at.is_(None))
    )
    if not others:
        raise Conflict(f"{user.username} is the last admin; make another admin first")


def _check_groups(groups: set[str], lead_of: set[str]) -> None:
    unknown = sorted(groups - _KNOWN)
    if unknown:
        raise InvalidInput(
            f"unknown group(s): {', '.join(unknown)}", [FieldError("$.groups", _known_groups())]
        )
    not_member = sorted(lead_of - groups)
    if not_member:
        raise InvalidInput(
            f"a lead must be in the group: {', '.join(not_member)}",
            [FieldError("$.lead_of", "lead only groups the user is in")],
        )


def _text(value: str | None, name: str) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > _TEXT_MAX:
        raise InvalidInput(
            f"{name} is too long", [FieldError(f"$.{name}", "at most 200 characters")]
        )
    return value


def _known_groups() -> str:
    return f"known groups: {', '.join(sorted(_KNOWN))}"


def _require_admin(principal: Principal | None) -> None:
    """None is the operator at the command line, who may do anything."""
    if principal is not None and not access.administers(principal):
        raise Forbidden("only admins administer users")
