"""Read and count failures per key, each in a transaction of its own.

A failed sign-in changes nothing else, so its count is written apart from
whatever the request does; a request that is throttled is refused before any
password is checked (an argon2 check costs most of a second of CPU).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ...domain import throttle as rules
from ...domain.errors import TooManyAttempts
from ...models import Throttle
from ..context import Services

# Longer keys are cut: a key is a name or an address, never more than this.
MAX_KEY = 200


def account(username: str) -> tuple[str, rules.Policy]:
    return f"account:{username.strip().lower()}"[:MAX_KEY], rules.ACCOUNT


def address(client: str | None) -> tuple[str, rules.Policy]:
    return f"address:{client or 'unknown'}"[:MAX_KEY], rules.ADDRESS


def token_address(client: str | None) -> tuple[str, rules.Policy]:
    return f"token:{client or 'unknown'}"[:MAX_KEY], rules.TOKEN_ADDRESS


def check(svc: Services, keys: list[tuple[str, rules.Policy]], what: str) -> None:
    """TooManyAttempts when any key must wait now."""
    now = svc.now()
    with svc.db.read() as uow:
        rows = uow.session.scalars(
            select(Throttle).where(Throttle.key.in_([key for key, _ in keys]))
        ).all()
        waits = [rules.retry_after(_count(row), now) for row in rows]
    longest = max((w for w in waits if w is not None), default=None)
    if longest is not None:
        raise TooManyAttempts(f"too many failed {what}; try again in {longest} s", longest)


def failed(svc: Services, keys: list[tuple[str, rules.Policy]], what: str) -> None:
    """Count a failure against every key; TooManyAttempts when this one starts a wait."""
    now = svc.now()
    longest = None
    for key, policy in keys:
        count = _count_failure(svc, key, policy)
        wait = rules.retry_after(count, now)
        if wait is not None:
            longest = max(longest or 0, wait)
    if longest is not None:
        raise TooManyAttempts(f"too many failed {what}; try again in {longest} s", longest)


def succeeded(svc: Services, key: str) -> None:
    with svc.db.unit_of_work() as uow:
        uow.session.execute(delete(Throttle).where(Throttle.key == key))
        uow.commit()


def _count_failure(svc: Services, key: str, policy: rules.Policy) -> rules.Count:
    count = rules.after_failure(None, svc.now(), policy)
    for _ in range(2):  # a concurrent first failure of the same key inserts it first
        try:
            with svc.db.unit_of_work() as uow:
                session = uow.session
                row = session.scalar(select(Throttle).where(Throttle.key == key).with_for_update())
                count = rules.after_failure(_count(row) if row else None, svc.now(), policy)
                if row is None:
                    row = Throttle(key=key)
                    session.add(row)
                row.failures, row.since, row.blocked_until = (
                    count.failures,
                    count.since,
                    count.blocked_until,
                )
                session.flush()
                uow.commit()
                return count
        except IntegrityError:
            continue
    return count


def _count(row: Throttle) -> rules.Count:
    return rules.Count(row.failures, row.since, row.blocked_until)
